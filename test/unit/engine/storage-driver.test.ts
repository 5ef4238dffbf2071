import { afterEach, expect, test } from "bun:test";
import { filesystemType, storageDriver } from "../../../src/engine/storage-driver.ts";

const MOUNTINFO = [
  "22 1 254:0 / / rw,relatime - ext4 /dev/vda rw",
  "30 22 0:25 / /var/lib rw - overlay overlay rw,lowerdir=/a,upperdir=/b,workdir=/c",
  "31 30 0:26 / /var/lib/bunker\\040x rw - tmpfs tmpfs rw",
].join("\n");

test("the filesystem of a path is that of the longest mount point containing it", () => {
  expect(filesystemType("/srv/x", MOUNTINFO)).toBe("ext4");
  expect(filesystemType("/var/lib/bunker", MOUNTINFO)).toBe("overlay");
  expect(filesystemType("/var/lib/bunker x/y", MOUNTINFO)).toBe("tmpfs");
  expect(filesystemType("/var/library", MOUNTINFO)).toBe("ext4"); // a prefix of the name is not a parent
});

const saved = process.env.BUNKER_STORAGE_DRIVER;
afterEach(() => {
  if (saved === undefined) delete process.env.BUNKER_STORAGE_DRIVER;
  else process.env.BUNKER_STORAGE_DRIVER = saved;
});

test("BUNKER_STORAGE_DRIVER forces a driver; anything else is a one-line error", () => {
  process.env.BUNKER_STORAGE_DRIVER = "vfs";
  expect(storageDriver("/var/lib/bunker")).toBe("vfs");
  process.env.BUNKER_STORAGE_DRIVER = "btrfs";
  expect(() => storageDriver("/var/lib/bunker")).toThrow('unknown storage driver "btrfs": use overlay or vfs');
});
