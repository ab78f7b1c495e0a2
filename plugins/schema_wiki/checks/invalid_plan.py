"""A line of Sqitch's ``sqitch.plan`` cannot be read.

**Problem.** The plan decides which changes Sqitch deploys and in what order;
a line the wiki cannot read is a change missing from the wiki.

**Fix.** Write the line as ``name [requires] YYYY-MM-DDTHH:MM:SSZ Planner
<email> # note``, or let ``sqitch add`` write it.

Reported by the Sqitch migration reader.
"""

from __future__ import annotations

from ..model import Level

NAME = "invalid-plan"
LEVEL = Level.WARNING
REPORTED_BY = "the Sqitch migration reader"
