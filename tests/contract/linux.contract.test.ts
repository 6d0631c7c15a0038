// The port contract against the Linux ports (src/os/linux), in private network namespaces.
import { describe } from "bun:test";
import { CAN_NETNS } from "../netns/os-common.ts";
import { linuxWorld } from "./linux-world.ts";
import { portsContract } from "./ports-contract.ts";

// skip: needs root and iproute2 (network namespaces)
describe.skipIf(!CAN_NETNS)("linux", () => portsContract("linux", linuxWorld));
