import { freezeCommand } from "./pause.ts";

export default freezeCommand(false);
