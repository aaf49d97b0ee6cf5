"""Bedrock calls signed the way the AWS SDKs sign them: botocore's SigV4
signer (Debian's python3-botocore) over a python3-requests session, one
keep-alive connection. Every signature differs (the body and X-Amz-Date
go into it); the access key id in Credential= does not.
argv: PLAN_FILE. Plan: {"region": "us-east-1", "calls": [{"url", "json",
"access_key", "secret_key", "session_token" (optional)}]}. Trust:
REQUESTS_CA_BUNDLE. Prints "call N: STATUS BYTES" per call."""
import json
import sys

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    with requests.Session() as s:
        for i, c in enumerate(plan["calls"]):
            body = json.dumps(c["json"]).encode()
            req = AWSRequest(method="POST", url=c["url"], data=body,
                             headers={"Content-Type": "application/json"})
            creds = Credentials(c["access_key"], c["secret_key"], c.get("session_token"))
            SigV4Auth(creds, "bedrock", plan["region"]).add_auth(req)
            resp = s.post(c["url"], data=body, headers=dict(req.headers.items()),
                          timeout=60)
            print("call %d: %d %d" % (i, resp.status_code, len(resp.content)), flush=True)
    return 0


sys.exit(main())
