// The port contract against the in-memory fakes (tests/fakes/ports.ts).
import { fakeWorld } from "./fake-world.ts";
import { portsContract } from "./ports-contract.ts";

portsContract("fakes", fakeWorld);
