"""Every diagnostic code gwc emits: a stable id, the stage it belongs to, and what it means.

docs/errors.md is generated from this table (scripts/gen_docs.py) and a test checks that every code
used in the source is listed here, so the documentation cannot drift from behaviour.
"""

CODES: dict[str, tuple[str, str]] = {
    # load: reading the file
    "GWC001": ("load", "The spec file cannot be read (missing, a directory, no permission)."),
    "GWC002": ("load", "Not valid YAML or not UTF-8 text; the position of the first problem is given."),
    "GWC003": ("load", "The file is empty or holds only comments."),
    "GWC004": ("load", "The file is larger than 10 MiB."),
    "GWC005": ("load", "Aliases expand to more than 200,000 nodes, or nesting is deeper than 64 levels "
                       "(a 'billion laughs' file fails here fast)."),
    "GWC006": ("load", "A mapping has the same key twice (never silently last-wins), or a key is not a scalar."),
    "GWC007": ("load", "A YAML tag, merge key or non-finite number gwc does not accept (e.g. !!python/object)."),
    "GWC008": ("load", "More than one YAML document in the file."),
    # schema: the shape of the spec
    "GWC101": ("schema", "Unknown field; the hint lists the fields allowed there."),
    "GWC102": ("schema", "A required field is missing."),
    "GWC103": ("schema", "A value has the wrong type (a string where a number is expected...)."),
    "GWC104": ("schema", "A value is not allowed: outside the field's allow-list grammar or enumeration. "
                         "Characters that could change generated configuration are refused here."),
    "GWC105": ("schema", "A number, length or count is out of range, or a list has duplicates."),
    "GWC106": ("schema", "A value matches none of the field's allowed forms (e.g. both path and prefix)."),
    # semantic checks
    "GWC201": ("check", "A route names a service that is not defined."),
    "GWC202": ("check", "A route names an auth method that is not defined."),
    "GWC203": ("check", "Two routes match the same requests (same path shape, overlapping methods)."),
    "GWC204": ("check", "Warning: two parameter routes can match one path with the same precedence."),
    "GWC205": ("check", "A rewrite uses a parameter the path does not have, or a prefix rewrite lacks its '/'."),
    "GWC206": ("check", "rate_limit per api_key on a route where not every auth method is an API key."),
    "GWC207": ("check", "An impossible duration: a zero timeout or TTL, a leeway above an hour."),
    "GWC208": ("check", "A host is listed twice."),
    "GWC209": ("check", "A path has an empty or dot segment, a parameter that is not a whole segment, a "
                        "repeated parameter, or a prefix that does not end with '/'."),
    "GWC210": ("check", "A split or a target list that cannot send traffic anywhere (all weights 0, only "
                        "backups, a mock in a split, backup with ip_hash)."),
    "GWC211": ("check", "The targets of one service mix http and https."),
    "GWC212": ("check", "CORS allows any origin ('*') together with credentials."),
    "GWC214": ("check", "An invalid IP address or CIDR range (host bits must be zero)."),
    "GWC215": ("check", "A JWT method cannot check tokens: HS* without a secret, RS/ES without keys."),
    "GWC216": ("check", "The JWKS file cannot be read or is not a usable public JWKS."),
    "GWC218": ("check", "Warning: a cache on a route that allows neither GET nor HEAD."),
    "GWC219": ("check", "The metrics path collides with a route."),
    "GWC220": ("check", "An auth method is named 'none' (that word means no auth)."),
    "GWC225": ("spec", "A text holds '{{resolve:', a CloudFormation dynamic reference: CloudFormation would replace it "
                       "with a stored parameter or secret when it deploys the AWS template, and has no escape for it. "
                       "Secrets belong in references such as {aws_secret: ...}."),
    "GWC230": ("check", "--env names an environment the spec does not define (or one that is not a mapping)."),
    "GWC240": ("check", "An included file cannot be read (missing, a directory, no permission); located at the "
                        "include entry."),
    "GWC241": ("check", "Files include each other in a cycle; the message names the chain."),
    "GWC242": ("check", "Includes nest deeper than 8 files, or a spec includes more than 64 files."),
    "GWC243": ("check", "Two files define the same service, auth method or default key; the message names both "
                        "places (file:line:column)."),
    "GWC244": ("check", "An environment overlay sets include (only the spec's top level can include files)."),
    "GWC245": ("check", "An included file is not a mapping of include, hosts, services, auth, defaults and routes."),
    "GWC222": ("check", "Two routes have the same name ('-' and '_' count as the same)."),
    "GWC223": ("check", "Warning: a JWT method checks neither issuer nor audience, or lacks one of them."),
    "GWC224": ("check", "A route path under /_gwc/, which the gateway reserves for itself."),
    # fidelity: what a target can express
    "GWC300": ("fidelity", "Internal: a target did not express a feature it claims to support (a gwc bug; "
                           "no output is written)."),
    "GWC301": ("fidelity", "A feature the target cannot express. An error, or with --allow-lossy a warning "
                           "and the feature is left out of that target's output."),
    "GWC302": ("fidelity", "Note: a feature the target expresses approximately; the message says how."),
    "GWC303": ("fidelity", "Warning: an approximation with numbers for this spec (e.g. split percentages, "
                           "rates rounded to what the target accepts)."),
    "GWC310": ("target", "nginx cannot read a secret from a cloud secret store; use env or file."),
    "GWC311": ("target", "nginx needs the JWT public keys at compile time (jwks.file)."),
    "GWC312": ("target", "nginx counts per API key only on a route with a single API-key method (it rate-limits "
                         "before it authenticates)."),
    "GWC320": ("target", "AWS REST APIs have no native JWT authorizer: a JWT method needs targets.aws.authorizers."
                         "<name> (a Cognito user pool or a Lambda authorizer), or use api_type: http. With "
                         "--allow-lossy a warning, and the routes using it are left out."),
    "GWC321": ("target", "AWS writes access logs only to the CloudWatch Logs group or Firehose stream named in "
                         "targets.aws.access_log_destination_arn. With --allow-lossy a warning and no access log."),
    "GWC322": ("target", "Warning: a route is left out of the AWS output because its authentication, path or service "
                         "cannot be expressed (never served with less protection than the spec asks for)."),
    "GWC323": ("target", "Warning: an upstream at a private or local address, which API Gateway cannot reach "
                         "without a VPC link."),
    "GWC324": ("target", "Warning: a targets.aws setting or option that has no effect for this spec or API type."),
    "GWC325": ("target", "A spec value holds '{{resolve:', which CloudFormation replaces with a stored SSM parameter or "
                         "secret when it deploys template.yaml (a dynamic reference, with no escape): refused even with "
                         "--allow-lossy. Secrets belong in references such as {aws_secret: ...}."),
    "GWC340": ("target", "Warning: no Cloud Endpoints service name (targets.gcp.service or project): the OpenAPI "
                         "document has no host, and gwc deploy refuses it until one is set."),
    "GWC341": ("target", "Warning: a route is left out of the gcp output because its authentication, path, methods or "
                         "service cannot be expressed (never served with less protection than the spec asks for)."),
    "GWC342": ("target", "Warning: a targets.gcp setting or option that has no effect for this spec or product."),
    "GWC343": ("target", "A JWT method Google cannot check: Google fetches keys from jwks.url (a jwks file or an HMAC "
                         "secret cannot be used) and needs the issuer, one per method. With --allow-lossy a warning, "
                         "and the routes using it are left out."),
    "GWC344": ("target", "Warning: an upstream at a private or local address, which API Gateway (a Google-hosted "
                         "gateway) cannot reach."),
    "GWC361": ("target", "Warning: a route is left out of the azure output because its authentication or path cannot "
                         "be expressed (never served with less protection than the spec asks for)."),
    "GWC362": ("target", "A JWT method APIM cannot check: validate-jwt takes RSA keys inline (from jwks.file) or an "
                         "OpenID discovery document (named after the issuer), never a JWKS URL or EC keys. With "
                         "--allow-lossy a warning, and the routes using it are left out."),
    "GWC363": ("target", "A secret reference APIM cannot read (aws_secret, gcp_secret): APIM named values come from "
                         "Azure Key Vault or a value given at deploy time. With --allow-lossy a warning, and what needs "
                         "it is left out."),
    "GWC364": ("target", "Warning: an env or file secret becomes a secret named value whose value is supplied when "
                         "deploying (a securestring template parameter); APIM does not read it at run time."),
    "GWC365": ("target", "APIM writes request logs to Application Insights: observability.access_log needs "
                         "targets.azure.app_insights. With --allow-lossy a warning and no access log."),
    "GWC366": ("target", "Warning: a targets.azure setting that has no effect for this spec."),
    "GWC367": ("target", "Warning: an upstream at a private or local address, which APIM reaches only from a virtual "
                         "network."),
    "GWC390": ("target", "Warning: a service URL whose host is not a Kubernetes Service address (NAME or "
                         "NAME.NAMESPACE.svc): the HTTPRoute sends to a Service named after the spec service, which "
                         "must exist and point at that address."),
    "GWC391": ("target", "Warning: a route is left out of the gateway-api output because its authentication, address "
                         "rules or service cannot be expressed (never served with less protection than the spec "
                         "asks for)."),
    "GWC392": ("target", "Warning: a targets.gateway_api setting or spec value that has no effect there, or something "
                         "the cluster must provide (the TLS Secret, a ReferenceGrant without a namespace)."),
    "GWC393": ("target", "Warning: a prefix ending in '/' also matches the path without it on the Gateway API "
                         "(PathPrefix ignores a trailing '/'), and no route of the spec answers that path."),
    "GWC394": ("target", "A value outside the Gateway API's grammar or limits (a header value, more than 16 header "
                         "changes or host names). With --allow-lossy a warning, and the value is left out."),
    "GWC380": ("target", "A JWT method Istio cannot check: Istio verifies signatures with public keys (jwks.url, or "
                         "jwks.file written inline), keys its JWT rules by issuer (required, one method per issuer) and "
                         "cannot use an HMAC secret. With --allow-lossy a warning, and the routes left with no usable "
                         "method are left out."),
    "GWC381": ("target", "Warning: a route is left out of the istio output because its authentication cannot be "
                         "expressed (never served with less protection than the spec asks for)."),
    "GWC382": ("target", "Warning: a targets.istio setting that has no effect for this spec or mode."),
    "GWC383": ("target", "tls on Istio needs ingress mode and targets.istio.tls_credential_name (the Kubernetes Secret "
                         "the ingress gateway reads; the spec's certificate files are not read). With --allow-lossy a "
                         "warning and no HTTPS server."),
    "GWC384": ("target", "Warning: mesh mode with no upstream host (only mocks) and no hosts: the VirtualService is for "
                         "the host named like the gateway, which must be a Kubernetes Service."),
    "GWC385": ("target", "Warning: authentication or IP policies without a workload selector (mesh mode without "
                         "targets.istio.selector) apply to every workload in the namespace."),
    "GWC386": ("target", "Warning: two services reach one upstream host with different traffic policies; Istio applies "
                         "one DestinationRule per host (the first service's)."),
    "GWC387": ("target", "A route's authentication or IP rules cannot name its requests in an AuthorizationPolicy (a "
                         "rewrite in mesh mode, or a literal '*' in a path). With --allow-lossy a warning, and the route "
                         "is left out."),
    # the command line
    "GWC501": ("cli", "`gwc compile --check`: the output folder differs from what compile would write (the "
                      "unified diff follows in text format)."),
    # importers (gwc import)
    "GWC601": ("import", "Warning: something in the imported document was not mapped (or only partly): an operation, "
                         "a security scheme, a server, a reference. The message says what; the spec's header comment "
                         "lists them too."),
    "GWC602": ("import", "The document to import cannot be read, is not OpenAPI 2.0 or 3.x, or has no operation that "
                         "could be imported."),
    # targets and plug-ins
    "GWC401": ("registry", "Unknown target name."),
    "GWC402": ("registry", "Warning: a target plug-in failed to load or is not a gwc target."),
    "GWC403": ("registry", "Two installed targets have the same name."),
}
