#!/usr/bin/env python3
"""Independent computation of the signature known-answer vectors used by
tests/unit/test_sign.c.  Uses only Python's standard library (hmac,
hashlib, base64, urllib.parse.quote), none of mqreset's code, so the C
implementation is checked against a second implementation of the
published algorithm (mqreset-protocol(7), SIGNATURE V1 and V3).

Run: python3 tests/tools/sign_vectors.py   (prints every vector)
"""
import base64
import hashlib
import hmac
from urllib.parse import quote


def pe(s):
    # RFC 3986: quote() with no safe characters leaves A-Z a-z 0-9 - _ . ~
    return quote(s.encode("utf-8"), safe="")


def v1(method, params, secret):
    cq = "&".join(pe(k) + "=" + pe(v) for k, v in sorted(params.items()))
    sts = method + "&" + pe("/") + "&" + pe(cq)
    mac = hmac.new((secret + "&").encode(), sts.encode(), hashlib.sha1)
    return cq, sts, base64.b64encode(mac.digest()).decode()


def v3(method, query, headers, body, secret):
    payload = hashlib.sha256(body.encode()).hexdigest()
    cq = "&".join(pe(k) + "=" + pe(v) for k, v in sorted(query.items()))
    h = {k.lower(): v.strip() for k, v in headers.items()}
    h["x-acs-content-sha256"] = payload
    names = sorted(h)
    ch = "".join(n + ":" + h[n] + "\n" for n in names)
    sh = ";".join(names)
    cr = "\n".join([method, "/", cq, ch, sh, payload])
    sts = "ACS3-HMAC-SHA256\n" + hashlib.sha256(cr.encode()).hexdigest()
    sig = hmac.new(secret.encode(), sts.encode(), hashlib.sha256).hexdigest()
    return cr, sts, sig


def show(name, t):
    print("==", name)
    for x in t:
        print(repr(x))


doc = {
    "AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "SignatureVersion": "1.0", "Timestamp": "2016-02-23T12:46:24Z",
    "Version": "2014-05-26",
}
show("doc GET", v1("GET", doc, "testsecret"))
show("doc POST", v1("POST", doc, "testsecret"))

ons = {
    "AccessKeyId": "LTAI5tMqresetTest0001", "Action": "OnsConsumerResetOffset",
    "Format": "JSON", "GroupId": "GID_orders", "InstanceId": "MQ_INST_1234567890_BXyz",
    "ResetTimestamp": "1764115200000", "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "0123456789abcdef0123456789abcdef",
    "SignatureVersion": "1.0", "Timestamp": "2026-11-26T03:40:00Z",
    "Topic": "orders", "Type": "1", "Version": "2019-02-14",
}
sec = "k3y/S3cret+With=Chars"
show("ons GET", v1("GET", ons, sec))
show("ons POST", v1("POST", ons, sec))
sts = dict(ons)
sts["AccessKeyId"] = "STS.NUx8sJmEuq3bQ"
sts["SecurityToken"] = "CAIS+gF1q6Ft5B2yfSjIr5b/Ml3w/X==~tok en"
sts["Type"] = "0"
del sts["ResetTimestamp"]
show("ons STS GET", v1("GET", sts, sec))
show("ons STS POST", v1("POST", sts, sec))
enc = dict(ons)
enc["Topic"] = "a*b~c d+e/f\u4e3b\u9898\u00e9"
show("ons enc POST", v1("POST", enc, sec))

q3 = {"GroupId": "GID_orders", "InstanceId": "MQ_INST_1234567890_BXyz",
      "ResetTimestamp": "1764115200000", "Topic": "a*b~c d+e/f\u00e9", "Type": "1"}
h3 = {"host": "ons.cn-hangzhou.aliyuncs.com",
      "x-acs-action": "OnsConsumerResetOffset", "x-acs-version": "2019-02-14",
      "x-acs-date": "2026-11-26T03:40:00Z",
      "x-acs-signature-nonce": "0123456789abcdef0123456789abcdef"}
show("v3 POST query", v3("POST", q3, h3, "", sec))
h3s = dict(h3)
h3s["X-Acs-Security-Token"] = "  CAIS+gF1q6Ft5B2y/tok  "
show("v3 GET sts", v3("GET", q3, h3s, "", sec))
