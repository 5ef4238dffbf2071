// Files imported with { type: "text" } (C sources embedded in the executable).
declare module "*.c" {
  const text: string;
  export default text;
}
