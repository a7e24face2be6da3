import cfg from 'gwc_auth_config.js';

/*
 * gwc runtime authentication for nginx (njs >= 0.7.9), used via auth_request.
 *
 * authorize(r) tries the methods named in $gwc_auth_methods in order.  The
 * first that succeeds sets X-Gwc-Subject / X-Gwc-Auth-Method and returns 204;
 * otherwise 401.  Every error path denies (fails closed).  Only reason codes
 * are logged, never tokens, keys or secrets.
 *
 * nginx caches a 204 for X-Accel-Expires seconds (never a 401 or a 5xx) under
 * cacheKey(r): a digest of every credential the methods read, so a cached
 * answer is only ever reused for the very same credentials.
 */

var fs = require('fs');
var qs = require('querystring');
var nodeCrypto = require('crypto');

var SEGMENT = /^[A-Za-z0-9_-]+$/;
var CONTROL_CHARS = /[\x00-\x1f\x7f]/;
var SHA256_HEX = /^[0-9a-f]{64}$/;

/* Longest time a verified credential is reused without checking it again. */
var CACHE_MAX_SECONDS = 60;

/*
 * A cached 204 can outlive X-Accel-Expires by up to 2 s (nginx counts whole
 * seconds at store and at lookup), so entries end this long before exp.
 */
var CACHE_EXP_MARGIN = 3;

/* Supported JWS algorithms and their WebCrypto parameters. */
var ALGS = {
    HS256: {hmac: 'SHA-256'},
    HS384: {hmac: 'SHA-384'},
    HS512: {hmac: 'SHA-512'},
    RS256: pkcs1('SHA-256'),
    RS384: pkcs1('SHA-384'),
    RS512: pkcs1('SHA-512'),
    PS256: pss('SHA-256', 32),
    PS384: pss('SHA-384', 48),
    PS512: pss('SHA-512', 64),
    ES256: ecdsa('P-256', 'SHA-256', 64),
    ES384: ecdsa('P-384', 'SHA-384', 96)
};

/* RSASSA-PKCS1-v1_5 (RS*) parameters. */
function pkcs1(hash) {
    return {importAs: {name: 'RSASSA-PKCS1-v1_5', hash: hash},
            verifyAs: {name: 'RSASSA-PKCS1-v1_5'}};
}

/* RSASSA-PSS (PS*) parameters; JWS uses a salt as long as the hash. */
function pss(hash, saltLength) {
    return {importAs: {name: 'RSA-PSS', hash: hash},
            verifyAs: {name: 'RSA-PSS', saltLength: saltLength}};
}

/* ECDSA (ES*) parameters; JWS signatures are raw r||s of fixed length. */
function ecdsa(curve, hash, signatureLength) {
    return {importAs: {name: 'ECDSA', namedCurve: curve},
            verifyAs: {name: 'ECDSA', hash: hash},
            signatureLength: signatureLength};
}

/*
 * Failures are thrown as plain objects, not Errors: in njs 0.7.9 creating an
 * Error after an await logs spurious "r.requestBody is deprecated" warnings.
 */

/* An authentication failure caused by the request. */
function denied(reason) {
    return {gwcReason: reason, gwcMisconfigured: false};
}

/* A failure that may turn into a success by itself as time passes. */
function notYet(reason) {
    return {gwcReason: reason, gwcMisconfigured: false, gwcNotYet: true};
}

/* An authentication failure caused by configuration or environment. */
function misconfigured(reason) {
    return {gwcReason: reason, gwcMisconfigured: true};
}

/* Own-property test that is safe for names like "__proto__". */
function has(obj, name) {
    return obj !== null && typeof obj === 'object'
           && Object.prototype.hasOwnProperty.call(obj, name);
}

/* js_content handler for the internal auth location. */
async function authorize(r) {
    try {
        var names = methodNames(r);
        var cacheable = true;
        if (names.length === 0) {
            r.error('gwc auth: no methods configured');
        }
        for (var i = 0; i < names.length; i++) {
            var found = await tryMethod(r, names[i]);
            if (found.subject !== null) {
                r.headersOut['X-Gwc-Subject'] = found.subject;
                r.headersOut['X-Gwc-Auth-Method'] = names[i];
                var seconds = cacheable ? cacheSeconds(found.expires) : 0;
                if (seconds > 0) {
                    r.headersOut['X-Accel-Expires'] = String(seconds);
                }
                r.return(204);
                return;
            }
            /* an earlier method could succeed later on: its answer must win then */
            cacheable = cacheable && !found.notYet;
        }
    } catch (e) {
        r.error('gwc auth: internal error');
    }
    r.return(401);
}

/* How long a success may be reused: at most CACHE_MAX_SECONDS, and never past
 * the token's exp (0: not at all). */
function cacheSeconds(expires) {
    if (expires === null) {
        return CACHE_MAX_SECONDS;
    }
    var left = Math.floor(expires) - Math.floor(Date.now() / 1000) - CACHE_EXP_MARGIN;
    return Math.max(0, Math.min(CACHE_MAX_SECONDS, left));
}

/*
 * js_set handler for the cache key of the auth location: a digest of what the
 * methods of $gwc_auth_methods read from the request (header and query
 * credentials, through the same functions as the checks; JSON keeps absent,
 * empty and odd values apart) and of the nginx master's pid, so that a
 * restart starts from an empty cache.  On any error the key is unique to the
 * request, so nothing cached is ever shared.  It runs on every authenticated
 * request, so it is kept lean: gwc writes the names with single spaces.
 */
function cacheKey(r) {
    try {
        var names = String(r.variables.gwc_auth_methods).split(' ');
        var parts = [process.ppid, names];
        for (var i = 0; i < names.length; i++) {
            var m = has(cfg.methods, names[i]) ? cfg.methods[names[i]] : {};
            parts.push(m.header ? r.headersIn[m.header] : null, m.query ? queryParam(r, m.query) : null);
        }
        return nodeCrypto.createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
    } catch (e) {
        return 'unshared-' + r.variables.request_id;
    }
}

/* Method names from $gwc_auth_methods, in order. */
function methodNames(r) {
    return String(r.variables.gwc_auth_methods || '').split(/\s+/).filter(function (name) {
        return name !== '';
    });
}

/*
 * Run one method: {subject, expires} (expires: the token's exp, or null), or
 * {subject: null, notYet} after logging why it failed.
 */
async function tryMethod(r, name) {
    try {
        if (!has(cfg.methods, name)) {
            throw misconfigured('unknown method');
        }
        var method = cfg.methods[name];
        if (method.type === 'jwt') {
            return await checkJwt(r, method);
        }
        if (method.type === 'api_key') {
            return {subject: checkApiKey(r, method), expires: null};
        }
        throw misconfigured('unknown method type');
    } catch (e) {
        logFailure(r, name, e);
        return {subject: null, notYet: Boolean(e && e.gwcNotYet)};
    }
}

/* Log the reason code only: info for denied requests, error for misconfiguration. */
function logFailure(r, name, e) {
    var message = 'gwc auth: ' + name + ': ' + ((e && e.gwcReason) || 'internal error');
    if (e && e.gwcReason && !e.gwcMisconfigured) {
        r.log(message);
    } else {
        r.error(message);
    }
}

/* ---- credential sources ---- */

/* Raw bytes of {"env": NAME} or {"file": PATH}; throws if unavailable. */
function readSource(source, what) {
    var data;
    try {
        data = source.env ? process.env[source.env] : stripNewline(fs.readFileSync(source.file));
    } catch (e) {
        data = undefined;
    }
    if (data === undefined || data === null || data.length === 0) {
        throw misconfigured(what + ' unavailable');
    }
    return Buffer.from(data);
}

/* Drop one trailing "\n" (or "\r\n") from a file's content. */
function stripNewline(buf) {
    var end = buf.length;
    if (end > 0 && buf[end - 1] === 0x0a) {
        end -= (end > 1 && buf[end - 2] === 0x0d) ? 2 : 1;
    }
    return buf.slice(0, end);
}

/* Value of a query parameter of the original request (not the subrequest). */
function queryParam(r, name) {
    var uri = r.variables.request_uri || '';
    var start = uri.indexOf('?');
    if (start < 0) {
        return undefined;
    }
    var value = qs.parse(uri.slice(start + 1))[name];
    if (Array.isArray(value)) {
        throw denied('ambiguous query parameter');
    }
    return value;
}

/* Credential from the configured header, falling back to the query. */
function credential(r, m) {
    var value = m.header ? r.headersIn[m.header] : undefined;
    if (value === undefined && m.query) {
        return {value: queryParam(r, m.query), fromHeader: false};
    }
    return {value: value, fromHeader: true};
}

/* ---- JWT ---- */

/* Verify a JWT credential; returns {subject, expires} or throws a failure. */
async function checkJwt(r, m) {
    var jwt = parseJwt(jwtFromRequest(r, m));
    checkHeader(jwt.header, m);
    if (!(await verifySignature(jwt, m))) {
        throw denied('bad signature');
    }
    checkClaims(jwt.payload, m);
    return {subject: subjectOf(jwt.payload), expires: jwt.payload.exp};
}

/* The raw token, from "<scheme> <token>" in the header or the query. */
function jwtFromRequest(r, m) {
    var found = credential(r, m);
    if (!found.value) {
        throw denied('no token');
    }
    if (!found.fromHeader || !m.scheme) {
        return found.value;
    }
    var match = /^(\S+)\s+(\S+)$/.exec(found.value);
    if (!match || match[1].toLowerCase() !== m.scheme.toLowerCase()) {
        throw denied('bad scheme');
    }
    return match[2];
}

/* Split and decode a compact JWS without trusting any of it yet. */
function parseJwt(token) {
    var parts = token.split('.');
    if (parts.length !== 3 || !SEGMENT.test(parts[0]) || !SEGMENT.test(parts[1])
        || !SEGMENT.test(parts[2]))
    {
        throw denied('malformed token');
    }
    return {header: decodeSegment(parts[0]),
            payload: decodeSegment(parts[1]),
            signingInput: Buffer.from(parts[0] + '.' + parts[1]),
            signature: Buffer.from(parts[2], 'base64url')};
}

/* base64url JSON object segment of a JWS. */
function decodeSegment(segment) {
    var value;
    try {
        value = JSON.parse(Buffer.from(segment, 'base64url').toString());
    } catch (e) {
        throw denied('malformed token');
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw denied('malformed token');
    }
    return value;
}

/* Only configured, supported algorithms (never "none"); no crit extensions. */
function checkHeader(header, m) {
    var alg = header.alg;
    if (typeof alg !== 'string' || !has(ALGS, alg) || m.algorithms.indexOf(alg) < 0) {
        throw denied('alg not allowed');
    }
    if (header.crit !== undefined) {
        throw denied('crit not supported');
    }
}

/* True if the signature verifies with the secret or one candidate key. */
async function verifySignature(jwt, m) {
    var spec = ALGS[jwt.header.alg];
    if (spec.hmac) {
        return await verifyHmac(jwt, spec, readSource(m.secret, 'secret'));
    }
    if (spec.signatureLength && jwt.signature.length !== spec.signatureLength) {
        return false;
    }
    var keys = candidateKeys(jwt.header, m.keys);
    for (var i = 0; i < keys.length; i++) {
        var key = await importSpki(keys[i], spec);
        if (await crypto.subtle.verify(spec.verifyAs, key, jwt.signature, jwt.signingInput)) {
            return true;
        }
    }
    return false;
}

/* Recompute the HMAC and compare in constant time. */
async function verifyHmac(jwt, spec, secret) {
    var key = await crypto.subtle.importKey('raw', secret, {name: 'HMAC', hash: spec.hmac},
                                            false, ['sign']);
    var expected = await crypto.subtle.sign('HMAC', key, jwt.signingInput);
    return safeEqual(Buffer.from(expected).toString('hex'), jwt.signature.toString('hex'));
}

/* Keys with the token's alg; restricted to its kid when it names one. */
function candidateKeys(header, keys) {
    var found = [];
    for (var i = 0; i < (keys || []).length; i++) {
        if (keys[i].alg === header.alg && (header.kid === undefined || keys[i].kid === header.kid)) {
            found.push(keys[i]);
        }
    }
    if (found.length === 0) {
        throw denied(header.kid === undefined ? 'no key for alg' : 'kid not found');
    }
    return found;
}

/* WebCrypto key from a base64 DER SubjectPublicKeyInfo entry. */
async function importSpki(entry, spec) {
    try {
        return await crypto.subtle.importKey('spki', Buffer.from(entry.spki, 'base64'),
                                             spec.importAs, false, ['verify']);
    } catch (e) {
        throw misconfigured('unusable key');
    }
}

/* A NumericDate claim value. */
function isTime(value) {
    return typeof value === 'number' && isFinite(value);
}

/* exp (required), nbf, iat with leeway; iss and aud when configured. */
function checkClaims(claims, m) {
    var now = Math.floor(Date.now() / 1000);
    var leeway = m.leeway || 0;
    if (!isTime(claims.exp)) {
        throw denied('exp missing');
    }
    if (now >= claims.exp + leeway) {
        throw denied('expired');
    }
    if (claims.nbf !== undefined && !(isTime(claims.nbf) && claims.nbf <= now + leeway)) {
        throw notYet('not yet valid');
    }
    if (claims.iat !== undefined && !(isTime(claims.iat) && claims.iat <= now + leeway)) {
        throw notYet('issued in the future');
    }
    if (m.issuer && claims.iss !== m.issuer) {
        throw denied('wrong issuer');
    }
    if (m.audiences && m.audiences.length && !audienceMatches(claims.aud, m.audiences)) {
        throw denied('wrong audience');
    }
}

/* aud (string or array) shares a value with the configured audiences. */
function audienceMatches(aud, audiences) {
    var presented = Array.isArray(aud) ? aud : [aud];
    for (var i = 0; i < presented.length; i++) {
        if (typeof presented[i] === 'string' && audiences.indexOf(presented[i]) >= 0) {
            return true;
        }
    }
    return false;
}

/* sub, which must be safe to pass on as a header value. */
function subjectOf(claims) {
    var sub = claims.sub;
    if (typeof sub !== 'string' || sub === '' || CONTROL_CHARS.test(sub)) {
        throw denied('bad subject');
    }
    return sub;
}

/* ---- API keys ---- */

/* Verify an API key credential; subject is a prefix of its sha256. */
function checkApiKey(r, m) {
    var presented = credential(r, m).value;
    if (!presented) {
        throw denied('no key');
    }
    var digest = sha256Hex(presented);
    var hashes = configuredHashes(m);
    var match = false;
    for (var i = 0; i < hashes.length; i++) {
        match = safeEqual(digest, hashes[i]) || match;
    }
    if (!match) {
        throw denied('key not recognized');
    }
    return digest.slice(0, 12);
}

/* sha256 hex digests of the configured keys (or the configured digests). */
function configuredHashes(m) {
    var entries = readSource(m.keys, 'key list').toString().split(/[\n,]/);
    var hashes = [];
    for (var i = 0; i < entries.length; i++) {
        var entry = entries[i].trim();
        if (entry === '') {
            continue;
        }
        if (m.format === 'sha256') {
            entry = entry.toLowerCase();
            if (!SHA256_HEX.test(entry)) {
                throw misconfigured('malformed key hash');
            }
            hashes.push(entry);
        } else if (m.format === 'plain') {
            hashes.push(sha256Hex(entry));
        } else {
            throw misconfigured('unknown key format');
        }
    }
    if (hashes.length === 0) {
        throw misconfigured('key list empty');
    }
    return hashes;
}

/* Lowercase hex sha256 of a string. */
function sha256Hex(value) {
    return nodeCrypto.createHash('sha256').update(value).digest('hex');
}

/* Constant-time comparison of two strings (their lengths are not secret). */
function safeEqual(a, b) {
    if (a.length !== b.length) {
        return false;
    }
    var diff = 0;
    for (var i = 0; i < a.length; i++) {
        diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
    }
    return diff === 0;
}

export default {authorize, cacheKey};
