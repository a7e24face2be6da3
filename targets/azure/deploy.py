"""Deploy a compiled API Management API with azure-mgmt-apimanagement and azure-identity (the `azure`
extra, imported only here).

What is deployed is the compiled ARM template's resources, dependencies first (named values, loggers and
backends before the API, the API before its policies, products after). Every resource is read first and
written only when it differs, so the same spec twice writes nothing; a failure names the step and what
was already applied. The API and its policies change through a new API revision released last, so APIM
serves the previous version, whole, until the new one is complete (deploy_resources.py). Every write is
a PUT of the whole resource, which azure-core retries on 408/429/5xx with backoff, so running a deploy
again after a failure continues from what is deployed. The API's description carries the SHA-256 of the
imported OpenAPI document, which is how an unchanged API is recognised (APIM does not hand the imported
document back). Secret named values get their value from the deploying environment (the spec's env or
file reference), and are masked in error messages (a server may quote a request it refuses).

Credentials: DefaultAzureCredential (environment, managed identity, Azure CLI...). GWC_AZURE_ENDPOINT
points the client at another Resource Manager endpoint; for a plain-http local endpoint (the tests'),
GWC_AZURE_TOKEN is sent as the bearer token, since azure-core refuses bearer tokens over http.
"""

from __future__ import annotations

import json
import os

from gwc.deploy import DeployError, DeployOptions, MissingExtra, Plan

from .deploy_resources import plan_resources


def deployer() -> "AzureDeployer":
    """The entry point registered under gwc.deployers (fails with an install hint without the SDK)."""
    try:
        import azure.core.exceptions
        import azure.core.pipeline.policies
        import azure.identity
        import azure.mgmt.apimanagement
    except ImportError:
        raise MissingExtra("azure", "azure-mgmt-apimanagement and azure-identity") from None
    return AzureDeployer(azure)


class AzureDeployer:
    """Plans and applies an APIM deploy."""

    def __init__(self, azure) -> None:
        self.azure = azure

    def _client(self, subscription: str):
        azure = self.azure
        endpoint = os.environ.get("GWC_AZURE_ENDPOINT")
        kwargs: dict = {}
        if endpoint:
            kwargs["base_url"] = endpoint
        if endpoint and endpoint.startswith("http://"):
            token = os.environ.get("GWC_AZURE_TOKEN", "")

            class StaticBearer(azure.core.pipeline.policies.SansIOHTTPPolicy):
                def on_request(self, request) -> None:
                    request.http_request.headers["Authorization"] = f"Bearer {token}"

            kwargs["authentication_policy"] = StaticBearer()
            credential = object()  # never asked for a token: the policy above authenticates
        else:
            credential = azure.identity.DefaultAzureCredential()
        return azure.mgmt.apimanagement.ApiManagementClient(credential, subscription, **kwargs)

    def plan(self, files: dict[str, str], options: DeployOptions) -> Plan:
        """Read every resource the spec manages (read-only calls) and plan the writes that differ."""
        spec = json.loads(files["deploy.json"])
        spec = {**spec, "subscription_id": spec.get("subscription_id") or os.environ.get("AZURE_SUBSCRIPTION_ID")}
        missing = [k for k in ("subscription_id", "resource_group", "service") if not spec.get(k)]
        if missing:
            raise DeployError("plan", f"targets.azure needs {', '.join(missing)}", [],
                              "set targets.azure.subscription_id (or AZURE_SUBSCRIPTION_ID), resource_group and "
                              "service (the APIM instance)")
        client = self._client(spec["subscription_id"])
        return plan_resources(Arm(client, self.azure), spec, files)


class Arm:
    """The SDK client with every failure turned into a DeployError that names the step."""

    def __init__(self, client, azure) -> None:
        self.client, self.errors = client, azure.core.exceptions
        self.secrets: list[str] = []  # values never to show: a server's error message may quote a request

    def hide(self, values) -> None:
        """Register secret values (the named values' values) to be masked in every error message."""
        for value in values:
            if value:
                # as sent (JSON-escaped in the body) and as read
                self.secrets += sorted({value, json.dumps(value)[1:-1]}, key=len, reverse=True)

    def _masked(self, text: str) -> str:
        for value in self.secrets:
            text = text.replace(value, "***")
        return text

    def call(self, step: str, fn, missing_ok: bool = False):
        """Run fn(client); a 404 is None when missing_ok."""
        try:
            return fn(self.client)
        except self.errors.ResourceNotFoundError:
            if missing_ok:
                return None
            raise DeployError(step, "not found", [], "check targets.azure (resource group, service name)") from None
        except self.errors.ClientAuthenticationError as exc:
            raise DeployError(step, self._masked(f"authentication failed: {exc.message}"), [],
                              "sign in (`az login`), or set AZURE_CLIENT_ID, AZURE_TENANT_ID and "
                              "AZURE_CLIENT_SECRET") from None
        except self.errors.HttpResponseError as exc:
            status = exc.status_code or 0
            hint = {403: "the identity lacks the API Management Service Contributor role on the instance",
                    400: "APIM refused the request; the message says why"}.get(
                status, "run the deploy again once the cause is fixed: it continues from what is deployed")
            raise DeployError(step, self._masked(f"HTTP {status}: {exc.message}"), [], hint) from None
        except self.errors.AzureError as exc:
            raise DeployError(step, self._masked(f"{exc.__class__.__name__}: {exc}"), [],
                              "check the network") from None
