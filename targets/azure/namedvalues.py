"""Secrets as APIM named values: a Key Vault reference (`keyVault.secretIdentifier`) for an
`azure_keyvault` secret, else (env, file) a secret named value whose value the deployer supplies as a
`securestring` template parameter. A policy refers to it as `{{id}}`; no value is ever written. AWS and
Google secret references cannot be read by APIM (GWC363)."""

from __future__ import annotations

from dataclasses import dataclass

from gwc.model import SecretRef

from .context import Context
from .names import arm_parameter, entity


@dataclass(frozen=True)
class NamedValue:
    """One secret named value: its id, the reference it stands for, and (without Key Vault) the ARM
    parameter that supplies its value at deploy time."""

    id: str
    ref: SecretRef
    purpose: str

    @property
    def key_vault(self) -> str | None:
        """The Key Vault secret identifier, or None."""
        return self.ref.ref if self.ref.kind == "azure_keyvault" else None

    @property
    def parameter(self) -> str | None:
        """The securestring template parameter (for a reference that is not a Key Vault secret)."""
        return None if self.key_vault else arm_parameter("secret", self.id)

    def deploy_json(self) -> dict:
        """deploy.json's description: no value, only where it comes from."""
        return {"id": self.id, "display_name": self.id, "secret": True, "key_vault_secret_id": self.key_vault,
                "parameter": self.parameter, "purpose": self.purpose,
                "source": None if self.key_vault else {self.ref.kind: self.ref.ref}}


class NamedValues:
    """The named values one emit creates, by id. A reference is looked at when its method is decided
    (`secret`), but only becomes a named value (and is reported) when a policy uses it (`use`)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.known: dict[str, tuple[NamedValue, str]] = {}
        self.values: dict[str, NamedValue] = {}

    def secret(self, ref: SecretRef, name: str, purpose: str, pointer: str) -> str | None:
        """The id of the named value for a secret reference, or None when APIM cannot read the reference
        (the caller reports GWC363)."""
        if ref.kind in ("aws_secret", "gcp_secret"):
            return None
        vid = entity(self.ctx.prefix, name)
        self.known.setdefault(vid, (NamedValue(vid, ref, purpose), pointer))
        return vid

    def use(self, vid: str) -> None:
        """A policy or logger names the value: it is created (env/file references get a GWC364 note)."""
        if vid in self.values:
            return
        nv, pointer = self.known[vid]
        if nv.ref.kind in ("env", "file"):
            self.ctx.warn("GWC364", f"{nv.purpose}: the {nv.ref.kind} reference {nv.ref.ref!r} becomes the secret "
                          f"named value {vid!r}, whose value is supplied when deploying (template parameter "
                          f"{nv.parameter!r}); APIM does not read it at run time", pointer,
                          "use {azure_keyvault: https://VAULT.vault.azure.net/secrets/NAME} for a secret APIM "
                          "reads from Key Vault (the instance's managed identity needs get access to it)")
        self.values[vid] = nv

    def sorted(self) -> list[NamedValue]:
        """The values used, in id order."""
        return [self.values[k] for k in sorted(self.values)]
