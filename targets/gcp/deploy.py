"""Deploy a compiled Google spec with google-api-python-client (the `gcp` extra, imported only here).

Cloud Endpoints: create the service when it does not exist, submit the OpenAPI document as a new service
config, then roll it out; the active config is compared first, so the same spec twice submits nothing.
API Gateway: create the API when missing, create an API config whose id carries the document's hash
(configs are immutable, so an existing id means identical content), then create the gateway or point
it at the new config. Long-running operations are polled with a progress line; a failed rollout or
gateway update leaves the previous config serving, and says so.

Every call is retried on 429 and 5xx with backoff (google-api-python-client), and a deploy can be run
again after any failure: a create that finds its resource there already (409, after an attempt whose
answer was lost) takes it; a submit or rollout sent twice makes one more config or rollout, never a
different result.

Credentials come from Application Default Credentials. The discovery documents bundled in the library
are used (static_discovery), so nothing is fetched to build the clients. GWC_SERVICEMANAGEMENT_ENDPOINT
and GWC_APIGATEWAY_ENDPOINT override the endpoints (private endpoints; the tests' local server).
"""

from __future__ import annotations

import json
import os
import time

from gwc.deploy import DeployError, DeployOptions, MissingExtra, Plan

SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
ENDPOINT_ENV = {"servicemanagement": "GWC_SERVICEMANAGEMENT_ENDPOINT", "apigateway": "GWC_APIGATEWAY_ENDPOINT"}


def deployer() -> "GcpDeployer":
    """The entry point registered under gwc.deployers (fails with an install hint without the library)."""
    try:
        import google.auth
        import google_auth_httplib2
        import httplib2
        from googleapiclient import discovery, errors
    except ImportError:
        raise MissingExtra("gcp", "google-api-python-client") from None
    return GcpDeployer(google.auth, google_auth_httplib2, httplib2, discovery, errors)


class Google:
    """Built clients plus error handling and operation polling shared by both products."""

    def __init__(self, libs, poll_interval: float, timeout_s: float = 1800) -> None:
        self.auth, self.authhttp, self.httplib2, self.discovery, self.errors = libs
        self.poll_interval, self.timeout_s = poll_interval, timeout_s
        try:
            self.credentials, _ = self.auth.default(scopes=SCOPES)
        except self.auth.exceptions.DefaultCredentialsError as exc:
            raise DeployError("credentials", str(exc).split("\n")[0], [],
                              "run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS "
                              "to a service-account key file") from None

    def client(self, api: str):
        """A client for servicemanagement or apigateway v1, from the bundled discovery document."""
        http = self.authhttp.AuthorizedHttp(self.credentials, http=self.httplib2.Http(timeout=60))
        endpoint = os.environ.get(ENDPOINT_ENV[api])
        options = {"api_endpoint": endpoint} if endpoint else None
        return self.discovery.build(api, "v1", http=http, static_discovery=True, client_options=options,
                                    cache_discovery=False)

    def call(self, step: str, request, missing_ok: bool = False, exists_ok: bool = False):
        """Execute a request (with retries on 429/5xx); a 404 is None when missing_ok, a 409 when
        exists_ok: a create whose first answer was lost (a 5xx, a timeout) is retried by the library and
        then finds what it made, which the plan had not seen, so it is taken as made."""
        try:
            return request.execute(num_retries=5)
        except self.errors.HttpError as exc:
            if (missing_ok and exc.resp.status == 404) or (exists_ok and exc.resp.status == 409):
                return None
            raise DeployError(step, f"HTTP {exc.resp.status}: {_reason(exc)}", [], _hint(exc.resp.status)) from None
        except (self.auth.exceptions.GoogleAuthError, OSError, self.httplib2.HttpLib2Error) as exc:
            raise DeployError(step, f"{exc.__class__.__name__}: {exc}", [],
                              "check the network and the credentials") from None

    def wait(self, step: str, op: dict, get) -> dict:
        """Poll a long-running operation until it is done; its error becomes a DeployError."""
        deadline = time.monotonic() + self.timeout_s
        polls = 0
        while not op.get("done"):
            if time.monotonic() > deadline:
                raise DeployError(step, f"operation {op['name']} did not finish in {self.timeout_s:.0f} s", [],
                                  "look at it with gcloud and run the deploy again")
            time.sleep(self.poll_interval)
            polls += 1
            print(f"    waiting for {op['name']} (poll {polls})", flush=True)
            op = self.call(step, get(name=op["name"]))
        if "error" in op:
            raise DeployError(step, f"operation {op['name']} failed: {op['error'].get('message', op['error'])}", [],
                              "the previous configuration keeps serving; fix the cause and deploy again")
        return op.get("response", {})


class GcpDeployer:
    """Plans and applies an Endpoints or API Gateway deploy."""

    def __init__(self, *libs) -> None:
        self.libs = libs

    def plan(self, files: dict[str, str], options: DeployOptions) -> Plan:
        """Read what is active (read-only calls) and list the changes and the steps."""
        spec = json.loads(files["deploy.json"])
        document = files[spec["openapi_file"]]
        google = Google(self.libs, options.poll_interval)
        if spec.get("product", "endpoints") == "api-gateway":
            from .deploy_gateway import plan_gateway
            return plan_gateway(google, spec, document, options)
        from .deploy_endpoints import plan_endpoints
        return plan_endpoints(google, spec, document, options)


def _reason(exc) -> str:
    try:
        return json.loads(exc.content)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return str(exc)


def _hint(status: int) -> str:
    return {401: "the credentials were refused: refresh Application Default Credentials",
            403: "the account lacks a permission listed in docs/targets/gcp.md, or the API is not enabled",
            400: "Google refused the request; the message says why (validate the document with gwc)",
            409: "something with that name exists already; run the deploy again to pick it up",
            }.get(status, "run the deploy again once the cause is fixed: it continues from what is deployed")
