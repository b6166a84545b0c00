#!/usr/bin/env python3
# Open311 GeoReport v2 end-to-end check that uses EXISTING PyPI client libraries only.
# (XML has no null: an empty element and JSON's "" or null are compared as equal.)
#
# Install (Python >= 3.10; both are pure Python):
#   python3 -m pip install georeport==0.3.1 civicbot==0.4.0
#   (georeport pulls requests>=2.32.4,<3 and xmltodict>=0.14.2,<0.15; civicbot has no runtime deps)
#
# Why two libraries: no Python-3 Open311 client on PyPI does everything.
#   georeport 0.3.1  -> GET services / service definition / requests / request, JSON *and* XML
#                       (no POST, no tokens, no discovery)
#   civicbot 0.4.0   -> POST /requests.json (api_key in the form body), GET /tokens/{t}.json,
#                       JSON only; raises civicbot.HttpError(status=...) on any HTTP >= 400
# (open311==1.1 and three==0.8.0 are Python-2 only; npm "open311"@0.0.12 needs a git dependency.)
#
# Usage:
#   python3 open311_client_test.py BASE_URL API_KEY [SERVICE_CODE]
#   or env O311_BASE_URL, O311_API_KEY, O311_SERVICE_CODE
#   BASE_URL like http://127.0.0.1:8080/open311/v2  (no trailing format; libs append /services.json etc.)
# Exit code 0 = all checks passed, 1 = some check failed, 2 = usage error.

import datetime as dt
import os
import sys
import time

import requests  # only for the exception type georeport raises (requests.HTTPError)
from georeport import GeoReport
from civicbot import Endpoint, HttpError, HttpTransport, Open311Client
from civicbot.http import RateLimiter

FAILS = []


def check(name, cond, detail=""):
    print(("PASS " if cond else "FAIL ") + name + ("" if cond else f"  -- {detail}"))
    if not cond:
        FAILS.append(name)
    return cond


def as_list(x):
    """xmltodict gives a dict for one child element, a list for several, None for none."""
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def truthy(v):
    return v is True or str(v).lower() == "true"


def xml_attrs(defn):
    return as_list((defn.get("attributes") or {}).get("attribute")) if defn else []


def xml_values(attr):
    return as_list((attr.get("values") or {}).get("value"))


def sample_value(attr):
    dtype = attr.get("datatype")
    vals = attr.get("values") or []
    if dtype == "singlevaluelist" and vals:
        return str(vals[0]["key"])
    if dtype == "multivaluelist" and vals:
        return [str(vals[0]["key"])]
    if dtype == "number":
        return "1"
    if dtype == "datetime":
        return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "client test value"


def main():
    args = sys.argv[1:]
    base = (args[0] if len(args) > 0 else os.environ.get("O311_BASE_URL", "")).rstrip("/")
    key = args[1] if len(args) > 1 else os.environ.get("O311_API_KEY", "")
    want_code = args[2] if len(args) > 2 else os.environ.get("O311_SERVICE_CODE")
    if not base or not key:
        print("usage: open311_client_test.py BASE_URL API_KEY [SERVICE_CODE]  (or O311_* env)")
        return 2

    gj = GeoReport(base, output_format="json")
    gx = GeoReport(base, output_format="xml")
    # civicbot: Endpoint(write=True) so it does not warn; no per-host sleep (default 0.5 s)
    ep = Endpoint(id="local", name="local test server", base_url=base, write=True)
    http = HttpTransport(timeout=10, rate_limiter=RateLimiter(min_interval=0.0))
    cb = Open311Client(ep, transport=http, fmt="json")

    # ---- services ---------------------------------------------------------
    sj = gj.get_service_list()
    check("services.json is a non-empty list with service_code",
          isinstance(sj, list) and sj and all("service_code" in s for s in sj), sj)
    sx = as_list(gx.get_service_list())  # xml root <services><service>...
    check("services.xml <services><service> parses",
          sx and all("service_code" in s for s in sx), sx)
    codes_j = sorted(str(s["service_code"]) for s in sj or [])
    codes_x = sorted(str(s["service_code"]) for s in sx)
    check("services json/xml list the same service_codes", codes_j == codes_x, f"{codes_j} vs {codes_x}")
    if sj and sx:
        j0 = {str(s["service_code"]): s for s in sj}
        x0 = {str(s["service_code"]): s for s in sx}
        same = all(str(j0[c].get("service_name")) == str(x0[c].get("service_name"))
                   and truthy(j0[c].get("metadata")) == truthy(x0[c].get("metadata")) for c in codes_j
                   if c in x0)
        check("services json/xml agree on service_name and metadata", same)
    if not sj:
        return 1

    code = want_code or next((str(s["service_code"]) for s in sj if truthy(s.get("metadata"))),
                             str(sj[0]["service_code"]))
    print(f"INFO using service_code={code}")

    # ---- service definition ----------------------------------------------
    dj = gj.get_service_definition(code)
    check("services/{code}.json service_definition",
          isinstance(dj, dict) and str(dj.get("service_code")) == code
          and isinstance(dj.get("attributes"), list), dj)
    dx = gx.get_service_definition(code)  # xml root <service_definition>
    check("services/{code}.xml <service_definition> parses",
          isinstance(dx, dict) and str(dx.get("service_code")) == code, dx)
    aj = sorted(str(a["code"]) for a in (dj or {}).get("attributes", []))
    ax = sorted(str(a.get("code")) for a in xml_attrs(dx))
    check("definition json/xml have the same attribute codes", aj == ax, f"{aj} vs {ax}")
    vj = {str(a["code"]): sorted(str(v["key"]) for v in a.get("values") or []) for a in dj.get("attributes", [])}
    vx = {str(a.get("code")): sorted(str(v.get("key")) for v in xml_values(a)) for a in xml_attrs(dx)}
    check("definition json/xml have the same value keys", vj == vx, f"{vj} vs {vx}")
    try:
        gj.get_service_definition("no-such-service-code-zz")
        check("unknown service definition -> HTTP error", False, "no error raised")
    except requests.HTTPError as e:
        check("unknown service definition -> HTTP error (requests.HTTPError)", True)
        print(f"INFO unknown service code gave HTTP {e.response.status_code}")

    attributes = {str(a["code"]): sample_value(a) for a in dj.get("attributes", [])
                  if a.get("variable", True)}
    print(f"INFO attributes to send: {attributes}")

    # ---- POST with wrong key must be refused (and create nothing) --------
    before = gj.get_service_requests(service_code=code)
    n_before = len(before) if isinstance(before, list) else -1
    try:
        cb.create_request(code, dry_run=False, confirm="SEND", api_key="definitely-wrong-key",
                          lat=37.7749, lng=-122.4194, description="should be refused",
                          attributes=attributes)
        check("POST with wrong api_key refused", False, "request was accepted")
    except HttpError as e:
        check("POST with wrong api_key refused with HTTP 403", e.status == 403, f"status {e.status}: {e.body[:200]}")
    after = gj.get_service_requests(service_code=code)
    check("wrong api_key created no request",
          isinstance(after, list) and len(after) == n_before, f"{n_before} -> {len(after)}")

    # ---- POST with the right key -----------------------------------------
    t0 = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    lat, lng = 37.7749, -122.4194
    desc = f"open311 client test {int(time.time())}"
    prepared = cb.create_request(code, dry_run=False, confirm="SEND", api_key=key, lat=lat, lng=lng,
                                 description=desc, email="tester@example.org", first_name="Test",
                                 last_name="Client", attributes=attributes, definition=dj)
    print(f"INFO POST form sent (key redacted): {prepared.redacted_form()}")
    resp = prepared.response
    ok = isinstance(resp, list) and resp and ("service_request_id" in resp[0] or "token" in resp[0])
    check("POST requests.json returns [{service_request_id|token}]", ok, resp)
    if not ok:
        return 1
    srid = resp[0].get("service_request_id")
    token = resp[0].get("token")
    if token:
        tj = None
        for _ in range(20):
            tj = cb.get_token(str(token))
            if isinstance(tj, list) and tj and tj[0].get("service_request_id"):
                break
            time.sleep(0.5)
        check("tokens/{token}.json resolves to a service_request_id",
              isinstance(tj, list) and tj and tj[0].get("service_request_id")
              and (srid is None or str(tj[0]["service_request_id"]) == str(srid)), tj)
        srid = srid or (tj[0].get("service_request_id") if tj else None)
    if not srid:
        return 1
    srid = str(srid)
    print(f"INFO service_request_id={srid} token={token}")
    t1 = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)
    fmt = "%Y-%m-%dT%H:%M:%SZ"

    # ---- GET request by id ------------------------------------------------
    rj = gj.get_service_request(srid)  # json: list, library returns [0]
    check("requests/{id}.json returns the request",
          str(rj.get("service_request_id")) == srid and str(rj.get("service_code")) == code
          and abs(float(rj.get("lat")) - lat) < 1e-6 and abs(float(rj.get("long")) - lng) < 1e-6, rj)
    rx = gx.get_service_request(srid)  # xml: <service_requests><request>
    rx = as_list(rx)[0] if rx else {}
    check("requests/{id}.xml <service_requests><request> returns the request",
          str(rx.get("service_request_id")) == srid and str(rx.get("service_code")) == code
          and abs(float(rx.get("lat")) - lat) < 1e-6 and abs(float(rx.get("long")) - lng) < 1e-6, rx)
    check("request json/xml agree on status and description",
          str(rj.get("status")) == str(rx.get("status"))
          and str(rj.get("description") or "") == str(rx.get("description") or ""),
          f"{rj} vs {rx}")
    cj = cb.get_request(srid)
    check("civicbot get_request (json) agrees", cj and str(cj.get("service_request_id")) == srid, cj)
    try:
        gj.get_service_request("999999999-no-such-id")
        check("unknown request id -> HTTP error", False, "no error raised")
    except (requests.HTTPError, IndexError) as e:
        check("unknown request id -> HTTP 404 (requests.HTTPError)",
              isinstance(e, requests.HTTPError) and e.response.status_code == 404, repr(e))

    # ---- GET requests with filters, json and xml -------------------------
    def ids(x):
        return {str(r.get("service_request_id")) for r in as_list(x)}

    def fetch(g, **kw):
        # georeport XML quirk: an empty <service_requests/> parses to None and the library then does
        # None['request'] -> TypeError. Treat that (only for XML) as an empty list.
        try:
            return g.get_service_requests(**kw)
        except TypeError:
            if g.output_format == "xml":
                return []
            raise

    for name, g in (("json", gj), ("xml", gx)):
        try:
            check(f"requests.{name} (no filter) contains new id", srid in ids(fetch(g)))
            check(f"requests.{name}?service_request_id", ids(fetch(g, service_request_id=srid)) == {srid})
            check(f"requests.{name}?service_code", srid in ids(fetch(g, service_code=code)))
            check(f"requests.{name}?status=open", srid in ids(fetch(g, status="open")))
            check(f"requests.{name}?status=closed excludes it", srid not in ids(fetch(g, status="closed")))
            check(f"requests.{name}?start_date&end_date window",
                  srid in ids(fetch(g, start_date=t0.strftime(fmt), end_date=t1.strftime(fmt))))
            check(f"requests.{name}?end_date before creation excludes it",
                  srid not in ids(fetch(g, start_date=(t0 - dt.timedelta(days=10)).strftime(fmt),
                                                         end_date=(t0 - dt.timedelta(days=9)).strftime(fmt))))
        except (requests.HTTPError, KeyError) as e:
            check(f"requests.{name} filters", False, repr(e))
    cl = cb.list_requests(service_request_ids=[srid])
    check("civicbot list_requests(service_request_id) (json)", ids(cl) == {srid}, cl)

    print("ALL OK" if not FAILS else "FAILED: " + ", ".join(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # network error, unexpected payload shape, ...
        print(f"FAIL unexpected {type(e).__name__}: {e}")
        sys.exit(1)
