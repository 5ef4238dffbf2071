// Marks a directory "top-level" for ext4's Orlov allocator (FS_TOPDIR_FL, as
// `chattr +T`): its subdirectories are spread over block groups with free
// inodes instead of packed next to it. Layers and containers are created and
// deleted by the thousand; packed together, new files keep landing on inodes
// freed moments ago, and ext4's check for recently deleted inodes then scans
// them one by one (measured: a 300 MB pull right after an rmi took 2.6-3.8 s
// instead of 1.5-2.0 s). Best effort: other filesystems ignore or refuse it.
import { close, ioctl, O_CLOEXEC, O_RDONLY, open } from "../../ffi/native.ts";

const FS_IOC_GETFLAGS = 0x80086601;
const FS_IOC_SETFLAGS = 0x40086602;
const FS_TOPDIR_FL = 0x00020000;
const O_DIRECTORY = 0o200000;

export function spreadSubdirectories(dir: string): void {
  let fd = -1;
  try {
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const flags = new Int32Array(1);
    ioctl(fd, FS_IOC_GETFLAGS, flags);
    if (flags[0] & FS_TOPDIR_FL) return;
    flags[0] |= FS_TOPDIR_FL;
    ioctl(fd, FS_IOC_SETFLAGS, flags);
  } catch {
    // not ext2/3/4, or not permitted: the default placement only costs speed
  } finally {
    if (fd >= 0) close(fd);
  }
}
