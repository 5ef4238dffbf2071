import { describe, expect, test } from "bun:test";
import { CREATE_FLAGS } from "../../../src/cli/commands/container/create-flags.ts";
import { type FlagSpec, type FlagValues, parseFlags } from "../../../src/cli/flags.ts";
import { UsageError } from "../../../src/lib/errors.ts";

const SPECS: FlagSpec[] = [
  ...CREATE_FLAGS,
  { name: "publish", short: "p", type: "list", description: "" },
  { name: "detach", short: "d", type: "bool", description: "" },
];
const run = (...args: string[]) => parseFlags(args, SPECS, { command: "run", stopAtFirstPositional: true });

describe("docker's flag rules", () => {
  test.each<[string[], FlagValues, string[]]>([
    [["-it", "img"], { interactive: true, tty: true }, ["img"]],
    [["-e", "A=1", "-e", "B=2", "--env=C=3", "img"], { env: ["A=1", "B=2", "C=3"] }, ["img"]],
    [["-p8080:80", "-p", "9090:90", "img"], { publish: ["8080:80", "9090:90"] }, ["img"]],
    [["-eA=1", "-e=B=2", "img"], { env: ["A=1", "B=2"] }, ["img"]],
    [["-dp", "80:80", "img"], { detach: true, publish: ["80:80"] }, ["img"]],
    [["--name=x", "--workdir", "/w", "img"], { name: "x", workdir: "/w" }, ["img"]],
    [["--name", "-x", "img"], { name: "-x" }, ["img"]], // a long flag's value may start with "-"
    [["--rm=false", "--read-only=true", "img"], { rm: false, "read-only": true }, ["img"]],
    [["-h", "myhost", "img"], { hostname: "myhost" }, ["img"]], // -h is --hostname here, not help
    [["img", "sh", "-c", "echo -e hi --rm"], {}, ["img", "sh", "-c", "echo -e hi --rm"]],
    [["img", "--", "x"], {}, ["img", "--", "x"]], // after the image, "--" belongs to the command
    [["--", "img", "-e"], {}, ["img", "-e"]],
    [["-i", "-", "img"], { interactive: true }, ["-", "img"]], // "-" alone is a positional
  ])("%j", (args, flags, positionals) => {
    expect(run(...args)).toEqual({ flags, positionals, help: false });
  });

  test("without stopAtFirstPositional, flags may follow positionals", () => {
    const specs: FlagSpec[] = [{ name: "force", short: "f", type: "bool", description: "" }];
    expect(parseFlags(["a", "-f", "b"], specs, { command: "rm" })).toEqual({ flags: { force: true }, positionals: ["a", "b"], help: false });
  });

  test("--help always, and -h when no flag claims it, ask for help", () => {
    expect(run("--help").help).toBe(true);
    expect(parseFlags(["-h"], [], { command: "ps" }).help).toBe(true);
  });

  test.each([
    [["--x", "img"], "unknown flag: --x"],
    [["-x", "img"], "unknown shorthand flag: 'x' in -x"],
    [["-ix"], "unknown shorthand flag: 'x' in -ix"],
    [["--name"], "flag needs an argument: --name"],
    [["-e"], "flag needs an argument: 'e' in -e"],
    [["--rm=yes"], 'invalid argument "yes" for "--rm" flag: strconv.ParseBool: parsing "yes": invalid syntax'],
  ])("%j is a usage error: %s", (args, message) => {
    let error: unknown;
    try {
      run(...args);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ message, command: "run", exitCode: 125 });
  });
});

test("bool flags take Go's ParseBool values, in long and short form", () => {
  const specs = [{ name: "rm", type: "bool" as const, description: "" }, { name: "interactive", short: "i", type: "bool" as const, description: "" }];
  const parse = (args: string[]) => parseFlags(args, specs, { command: "run" }).flags;
  expect(parse(["--rm=1", "-i=false"])).toEqual({ rm: true, interactive: false });
  expect(parse(["--rm=F", "-i=T"])).toEqual({ rm: false, interactive: true });
  expect(() => parse(["--rm=yes"])).toThrow('invalid argument "yes" for "--rm" flag');
});
