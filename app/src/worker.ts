// Background worker: sends the queued e-mails of the users service.
import { db } from "./db";

interface QueuedEmail {
  id: number;
  userId: number;
  template: string;
}

export async function processEmailQueue(batch: QueuedEmail[]): Promise<void> {
  for (const email of batch) {
    const user = await db.one(
      `SELECT u.email, u.handle, p.bio
         FROM users u
         JOIN user_profiles p ON p.user_id = u.id
        WHERE u.id = $1`,
      [email.userId],
    );
    await send(email.template, user);
  }
}

// Partner API v1 still promises `username` (ADR 0016): the digest for
// partners reads it until v1 is retired.
export async function partnerDigest(partnerId: number): Promise<string[]> {
  const rows = await db.many(
    "SELECT username FROM users WHERE partner_id = $1 ORDER BY username",
    [partnerId],
  );
  return rows.map((row: { username: string }) => row.username);
}

async function send(template: string, user: unknown): Promise<void> {
  void template;
  void user;
}
