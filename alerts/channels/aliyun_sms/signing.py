"""Aliyun RPC signature version 1.0 (HMAC-SHA1), as the "签名机制" page documents it.

    StringToSign = Method & percentEncode("/") & percentEncode(CanonicalizedQueryString)
    Signature    = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))

The canonical string sorts every parameter but `Signature` by name and joins the percent-encoded
pairs; percent-encoding keeps only A–Z a–z 0–9 - _ . ~ (a space is %20, never +).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote


def percent_encode(value: str) -> str:
    return quote(value, safe="-_.~")


def rpc_signature(method: str, params: Mapping[str, str], access_key_secret: str) -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{access_key_secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
