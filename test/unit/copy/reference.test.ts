import { describe, expect, test } from "bun:test";
import { parseTransportRef } from "../../../src/copy/reference.ts";

describe("parseTransportRef", () => {
  test.each([
    ["busybox", { transport: "name", name: "busybox" }],
    ["busybox:1.36", { transport: "name", name: "busybox:1.36" }],
    ["localhost:5000/ns/img:v1", { transport: "name", name: "localhost:5000/ns/img:v1" }],
    // docker:dind is the image docker with the tag dind; only docker:// is the transport.
    ["docker:dind", { transport: "name", name: "docker:dind" }],
    ["docker://busybox", { transport: "docker", name: "busybox" }],
    ["docker://localhost:5000/x:v1", { transport: "docker", name: "localhost:5000/x:v1" }],
    ["oci:/tmp/layout", { transport: "oci", path: "/tmp/layout", tag: undefined }],
    ["oci:/tmp/layout:v1", { transport: "oci", path: "/tmp/layout", tag: "v1" }],
    ["oci:relative/dir:localhost/x:v1", { transport: "oci", path: "relative/dir", tag: "localhost/x:v1" }],
    ["oci-archive:/tmp/b.tar", { transport: "oci-archive", path: "/tmp/b.tar", tag: undefined }],
    ["oci-archive:/tmp/b.tar:latest", { transport: "oci-archive", path: "/tmp/b.tar", tag: "latest" }],
    ["docker-archive:/tmp/b.tar", { transport: "docker-archive", path: "/tmp/b.tar", name: undefined }],
    ["docker-archive:/tmp/b.tar:busybox:latest", { transport: "docker-archive", path: "/tmp/b.tar", name: "busybox:latest" }],
  ])("%s", (input, expected) => {
    expect(parseTransportRef(input)).toEqual(expected as ReturnType<typeof parseTransportRef>);
  });

  test.each([
    ["foo:/tmp/x", 'unsupported transport "foo" in "foo:/tmp/x": use docker://, oci:, oci-archive: or docker-archive:'],
    ["ftp://host/x", 'unsupported transport "ftp"'],
    ["containers-storage:busybox", 'unsupported transport "containers-storage"'],
    ["dir:./x", 'unsupported transport "dir"'],
    ["oci:", "oci: needs a path"],
    ["oci-archive::v1", "oci-archive: needs a path"],
    ["oci:/x:", "empty name after the path"],
    ["oci:/x:has space", 'invalid OCI reference name "has space"'],
    ["docker-archive:/x:busybox@sha256:" + "0".repeat(64), "a docker-archive name cannot have a digest"],
    ["docker-archive:/x:Bad", "invalid reference format"],
    ["docker://", "docker:// needs an image name"],
  ])("%s is refused", (input, message) => {
    expect(() => parseTransportRef(input)).toThrow(message);
  });
});
