// A stand-in for the database client.
export const db = {
  async one(sql: string, params: unknown[]): Promise<any> {
    void sql;
    void params;
    return {};
  },
  async many(sql: string, params: unknown[]): Promise<any[]> {
    void sql;
    void params;
    return [];
  },
};
