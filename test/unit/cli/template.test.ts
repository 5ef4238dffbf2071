// The --format engine against Go text/template's documented behaviour, with
// docker's extra functions; every failure is a one-line TemplateError (exit 64).
import { describe, expect, test } from "bun:test";
import { formatListing, renderTemplate, TemplateError } from "../../../src/cli/template/index.ts";

const data = {
  Name: "web",
  State: { Running: false, ExitCode: 3, Health: null },
  Config: { Labels: { k: "v", "com.x": "y" }, Cmd: ["sh", "-c", "a b"], Env: [] },
  Mounts: [{ Destination: "/a" }, { Destination: "/b" }],
  Words: "hello big world",
  Zero: 0,
};

describe("fields, dot, variables and printing as Go's %v", () => {
  test.each([
    ["{{.Name}}", "web"],
    ["{{.State.ExitCode}}", "3"],
    ["{{.Missing}}", "<no value>"],
    ["{{.State.Missing}}", "<no value>"],
    ["{{.State.Health}}", "<no value>"],
    ["{{.Config.Cmd}}", "[sh -c a b]"],
    ["{{.Config.Labels}}", "map[com.x:y k:v]"],
    ["{{with .State}}{{.ExitCode}}{{end}}", "3"],
    ["{{$n := .Name}}{{with .State}}{{$n}}:{{.ExitCode}}{{end}}", "web:3"],
    ["{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", "2"],
    ["{{range .Mounts}}{{$.Name}}{{.Destination}} {{end}}", "web/a web/b "],
    ["{{(index .Mounts 1).Destination}}", "/b"],
    ["{{/* a comment */}}x", "x"],
    // docker expands \t before parsing, so even a raw string gets a tab.
    ['{{"quoted\\t"}}{{`raw\\t`}}{{"\\u0041"}}', "quoted\traw\tA"],
    ["{{1.5}} {{-2}} {{0x10}} {{true}} {{index .Config.Cmd 0 | len}}", "1.5 -2 16 true 2"],
  ])("%s -> %j", (format, out) => expect(renderTemplate(format, data)).toBe(out));
});

describe("actions: if / else if / else, range / else, with / else, break / continue", () => {
  test.each([
    ["{{if .State.Running}}up{{else if eq .State.ExitCode 3}}three{{else}}other{{end}}", "three"],
    ["{{if .Zero}}t{{else}}f{{end}} {{if .Config.Env}}t{{else}}f{{end}} {{if .Words}}t{{end}}", "f f t"],
    ["{{range .Config.Env}}x{{else}}none{{end}}", "none"],
    ["{{range $i, $v := .Config.Cmd}}{{$i}}={{$v}};{{end}}", "0=sh;1=-c;2=a b;"],
    ["{{range $k, $v := .Config.Labels}}{{$k}}={{$v}},{{end}}", "com.x=y,k=v,"],
    ["{{range $v := .Config.Cmd}}{{$v}}{{end}}", "sh-ca b"],
    ["{{range 3}}{{.}}{{end}}", "012"],
    ["{{range .Config.Cmd}}{{if eq . \"-c\"}}{{continue}}{{end}}{{if eq . \"a b\"}}{{break}}{{end}}{{.}}{{end}}", "sh"],
    ["{{with .State.Health}}has{{else}}no health{{end}}", "no health"],
    ["{{with .Missing}}x{{else with .Name}}{{.}}{{end}}", "web"],
  ])("%s -> %j", (format, out) => expect(renderTemplate(format, data)).toBe(out));
});

describe("pipelines and functions (Go's builtins and docker's)", () => {
  test.each([
    ["{{.Config.Cmd | json}}", '["sh","-c","a b"]'],
    ["{{json .State}}", '{"Running":false,"ExitCode":3,"Health":null}'],
    ["{{json .Missing}}", "null"],
    ['{{join .Config.Cmd ","}}', "sh,-c,a b"],
    ['{{split "a:b:c" ":"}}', "[a b c]"],
    ['{{index .Config.Labels "k"}} {{index .Config.Labels "nope"}} {{index .Config.Cmd 2}}', "v <no value> a b"],
    ["{{upper .Name}} {{lower \"ABC\"}} {{title .Words}}", "WEB abc Hello Big World"],
    ["[{{pad .Name 2 1}}][{{pad \"\" 2 1}}]", "[  web ][]"],
    ["{{truncate .Words 5}} {{truncate .Name 5}}", "hello web"],
    ["{{len .Config.Cmd}} {{len .Name}} {{len .Config.Labels}}", "3 3 2"],
    ["{{.Name | printf \"%s!\"}} {{printf \"%5d|%-4s|%.2f|%q\" 42 \"ab\" 3.14159 \"x\"}}", 'web!    42|ab  |3.14|"x"'],
    ['{{print "a" 1 2 "b"}}', "a1 2b"],
    ["{{println .Name 3}}", "web 3\n"],
    ["{{eq .Name \"x\" \"web\"}} {{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1 2}}", "true true true true true false"],
    ["{{and 1 \"\" 2}} {{and 1 2}} {{or 0 \"\" \"z\"}} {{or 0 \"\"}} {{not .Zero}}", " 2 z  true"],
    ['{{.Name | upper | printf "<%s>"}}', "<WEB>"],
    ["{{slice .Name 1}}", "eb"],
  ])("%s -> %j", (format, out) => expect(renderTemplate(format, data)).toBe(out));
});

describe("whitespace: trim markers and docker's \\t \\n escapes", () => {
  test.each([
    ["a  \n {{- .Name -}} \n  b", "awebb"],
    ["{{.Name}} {{- /* c */ -}} !", "web!"],
    ["{{.Name}}\\t{{.State.ExitCode}}\\n", "web\t3\n"],
    ["{{-3}}", "-3"],
  ])("%j -> %j", (format, out) => expect(renderTemplate(format, data)).toBe(out));
});

describe("errors are one line, 'template: …', exit code 64", () => {
  test.each([
    ["{{.Name", /^template: :1: unclosed action$/],
    ["{{if .Name}}x", /^template: :1: unexpected EOF$/],
    ["{{end}}", /^template: :1: unexpected \{\{end\}\}$/],
    ["{{nosuch .Name}}", /^template: :1: function "nosuch" not defined$/],
    ["{{.State.Health.Status}}", /^template: :1:\d+: executing "" at <\.State\.Health\.Status>: nil pointer evaluating interface \{\}\.Status$/],
    ["{{.Name.First}}", /can't evaluate field First in type string$/],
    ["{{index .Config.Cmd 9}}", /error calling index: index out of range: 9$/],
    ["{{lt .Name 1}}", /error calling lt: incompatible types for comparison$/],
    ["{{.Name 1}}", /Name has arguments but cannot be invoked as function$/],
    ["{{$nope}}", /undefined variable: \$nope$/],
    ["{{range .Name}}{{end}}", /range can't iterate over web$/],
    ["{{\"open}}", /unterminated quoted string$/],
    ["{{range .Mounts}}{{else}}{{break}}{{end}}", /^template: :1: \{\{break\}\} outside \{\{range\}\}$/],
  ])("%s", (format, message) => {
    let error: unknown;
    try {
      renderTemplate(format, data);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).exitCode).toBe(64);
    expect((error as TemplateError).message).toMatch(message);
    expect((error as TemplateError).message).not.toContain("\n");
  });
});

describe("formatListing: raw, table and json as docker's listing commands", () => {
  const headers = { ID: "CONTAINER ID", Names: "NAMES", Label: (k: string) => `label ${k}` };
  const rows = [
    { ID: "abc", Names: "a-long-container-name", Label: (k: string) => (k === "x" ? "1" : "") },
    { ID: "def", Names: "b", Label: () => "" },
  ];
  test("a raw template is one line per row; a method takes arguments", () => {
    expect(formatListing('{{.Names}}={{.Label "x"}}', { headers, rows })).toBe("a-long-container-name=1\nb=\n");
  });
  test("table: the header renders the template over the column titles, aligned by the tabwriter", () => {
    expect(formatListing("table {{.ID}}\\t{{.Names}}\\t{{.Label \"x\"}}", { headers, rows })).toBe(
      ["CONTAINER ID   NAMES                   label x", "abc            a-long-container-name   1", "def            b", ""].join("\n"),
    );
  });
  test("json: one compact object per row, methods left out", () => {
    expect(formatListing("json", { headers, rows })).toBe('{"ID":"abc","Names":"a-long-container-name"}\n{"ID":"def","Names":"b"}\n');
  });
  test("a table with no rows is its header; formatting functions pass titles through, as docker's HeaderFunctions", () => {
    expect(formatListing('table {{.ID}}\t{{json .Names}}\t{{.Label "y"}}', { headers, rows: [] })).toBe("CONTAINER ID   NAMES     label y\n");
  });
});
