"""Measure how many write+fsync cycles of one 4 KiB page per second the file system does."""
import os, sys, time
folder, seconds = sys.argv[1], float(sys.argv[2])
path = os.path.join(folder, "fsync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
page = b"\0" * 4096
n, start = 0, time.perf_counter()
while time.perf_counter() - start < seconds:
    os.pwrite(fd, page, 0)
    os.fsync(fd)
    n += 1
elapsed = time.perf_counter() - start
os.close(fd)
os.unlink(path)
print(f"fsync: {n / elapsed:.0f} per second ({n} in {elapsed:.1f} s, mean {elapsed / n * 1e3:.2f} ms)")
