"""A pure, deterministic generator of realistic cspulse events, for demos and load.

    sim = Simulator(SimConfig(seed=7, customers=500, start=datetime(2026, 1, 1, tzinfo=UTC)))
    for record in sim.events():  # infinite, in emission order
        publish(f"cs.{record.family}", key=record.key, value=record.value)

No Kafka here: records carry the topic family, key and value bytes. The same config
gives byte-identical output. The package stays outside the engine: only the command
line (`cspulse simulate`) imports it, and it imports nothing of `streams`.

generator.py steps the event clock and draws each step's family; subscriptions,
payments, tickets, surveys, usage, costs and growth model the families; accounts holds
the customers (the Book every family draws its accounts from); catalog the static tables; faults the
invalid records; context the shared random source, clock and follow-up queues.
"""

from simulator.config import DEFAULT_MIX, FAMILIES, SimConfig, SimRecord
from simulator.faults import DEFECTS
from simulator.generator import Simulator

__all__ = ["DEFAULT_MIX", "DEFECTS", "FAMILIES", "SimConfig", "SimRecord", "Simulator"]
