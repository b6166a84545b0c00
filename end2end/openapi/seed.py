"""Make one request with a photo through the API (partner key), wait until the virus
scanner has passed the photo, and print what schemathesis needs to reach the request's and
the file's real answers: `KEY=value` lines for the shell.

Usage: seed.py BASE_URL PARTNER_KEY
"""
import json
import struct
import sys
import time
import urllib.request
import uuid
import zlib

base, key = sys.argv[1], sys.argv[2]


def png() -> bytes:
    """A 1×1 PNG, valid to the byte."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x10\x60\x90")) + chunk(b"IEND", b"")


request = {
    "service_code": "VNP-PROBLEMA",
    "values": {"problem": "light", "details": "The street light at the bus stop is out."},
    "contact": {"name": "OpenAPI check"},
    "language": "en",
    "location": {"lat": 57.5381, "long": 25.4263, "address": "Rīgas iela 10, Valmiera"},
}
boundary = uuid.uuid4().hex
body = (
    f"--{boundary}\r\nContent-Disposition: form-data; name=\"request\"\r\n"
    "Content-Type: application/json\r\n\r\n"
).encode() + json.dumps(request).encode() + (
    f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"light.png\"\r\n"
    "Content-Type: image/png\r\n\r\n"
).encode() + png() + f"\r\n--{boundary}--\r\n".encode()
made = urllib.request.Request(
    f"{base}/api/v1/requests",
    data=body,
    method="POST",
    headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "X-Api-Key": key},
)
with urllib.request.urlopen(made) as resp:
    assert resp.status == 201, resp.status
    created = json.load(resp)

reference, code = created["reference"], created["tracking_code"]
for _ in range(60):
    seen = urllib.request.Request(f"{base}/api/v1/requests/{reference}", headers={"X-Tracking-Code": code})
    with urllib.request.urlopen(seen) as resp:
        files = json.load(resp)["attachments"]
    if files and files[0]["state"] == "ok":
        break
    time.sleep(0.5)
else:
    sys.exit(f"the photo of {reference} was not scanned within 30 s: {files}")
print(f"TAKA_REFERENCE={reference}")
print(f"TAKA_TRACKING_CODE={code}")
print(f"TAKA_ATTACHMENT={files[0]['id']}")
