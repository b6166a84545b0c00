#!/usr/bin/env python3
"""Benchmark (not a test): N parallel uploads of SIZE bytes each, every one a request with
one PDF through `POST /api/v1/requests` as multipart/form-data, streamed from a generator
(the client never holds a file either). Prints the throughput and the server's peak
resident memory during the uploads (its high-water mark, reset just before).

usage: uploads.py BASE_URL SERVER_PID [N] [SIZE]"""
import http.client, json, os, sys, threading, time, urllib.parse

base, pid = sys.argv[1], int(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
size = int(sys.argv[4]) if len(sys.argv) > 4 else 20_000_000
url = urllib.parse.urlparse(base)
block = os.urandom(1 << 20)  # incompressible, shared; each file differs in its first line

def status():
    with open(f"/proc/{pid}/status") as f:
        return {l.split(":")[0]: l.split(":")[1].strip() for l in f}

def body(i, boundary):
    request = json.dumps({
        "service_code": "VNP-TRUCIGAS-STATUSS",
        "values": {"members": 2, "income": 300, "situation": "Bench"},
        "contact": {"name": "Bench"},
    })
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"request\"\r\n\r\n{request}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"income_proof\"; filename=\"f{i}.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    first = f"%PDF-1.7\n% upload {i} {time.time()}\n".encode()
    def gen():
        yield head
        yield first
        left = size - len(first)
        while left > 0:
            chunk = block[: min(left, len(block))]
            left -= len(chunk)
            yield chunk
        yield tail
    return gen, len(head) + size + len(tail)

results = [None] * n
def upload(i):
    boundary = f"taka-bench-{i}"
    gen, length = body(i, boundary)
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
    c.putrequest("POST", "/api/v1/requests")
    c.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    c.putheader("Content-Length", str(length))
    c.endheaders()
    for part in gen():
        c.send(part)
    r = c.getresponse()
    results[i] = (r.status, r.read()[:200])

# Reset the peak (VmHWM) so it covers the uploads only.
try:
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")
except OSError as e:
    print(f"(could not reset the peak: {e})")
before = status()
start = time.time()
threads = [threading.Thread(target=upload, args=(i,)) for i in range(n)]
for t in threads: t.start()
for t in threads: t.join()
took = time.time() - start
after = status()
ok = sum(1 for r in results if r and r[0] == 201)
mb = n * size / 1e6
print(f"{ok}/{n} uploads of {size/1e6:.0f} MB accepted in {took:.1f} s: {mb/took:.1f} MB/s")
print(f"server resident memory: {before['VmRSS']} before, peak during uploads {after['VmHWM']}")
bad = [r for r in results if not r or r[0] != 201]
if bad:
    print("refused:", bad[:3])
    sys.exit(1)
