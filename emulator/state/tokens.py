"""JWT access tokens the emulator issues and checks (HS256 with a per-run secret), and what the registry's
token service grants of the scopes asked for."""
import base64
import hashlib
import hmac
import json
import os
import time


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenIssuer:
    def __init__(self, tenant_id, lifetime=3600):
        self._secret = os.urandom(32)
        self.tenant_id = tenant_id
        self.lifetime = lifetime
        self.issued = []  # every token handed out, so tests can grep output for leaks

    def issue(self, audience, subject, now=None, extra=None, lifetime=None):
        now = now if now is not None else time.time()  # float: a 1 s lifetime means 1 s
        header = {"alg": "HS256", "typ": "JWT"}
        claims = {"aud": audience, "iss": "https://sts.emulator/{}/".format(self.tenant_id),
                  "iat": now, "nbf": now, "exp": now + (lifetime or self.lifetime), "tid": self.tenant_id,
                  "oid": subject, "sub": subject, "appid": subject, "idtyp": "app", "ver": "1.0"}
        claims.update(extra or {})
        signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
        sig = hmac.new(self._secret, signing_input.encode(), hashlib.sha256).digest()
        token = signing_input + "." + _b64(sig)
        self.issued.append(token)
        return token

    def verify(self, token, now=None):
        """Return the claims of a valid token, or None."""
        try:
            signing_input, sig = token.rsplit(".", 1)
            expected = hmac.new(self._secret, signing_input.encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _unb64(sig)):
                return None
            claims = json.loads(_unb64(signing_input.split(".")[1]))
        except (ValueError, IndexError):
            return None
        if claims.get("exp", 0) < (now if now is not None else time.time()):
            return None
        return claims


def grant(scopes, allowed):
    """The `access` claim /oauth2/token puts in an access token: each asked scope ("repository:app:pull,push",
    "registry:catalog:*") with only the actions allowed(kind, name) -> set permits. Like ACR, a scope the
    identity may not use is still answered, with fewer actions or none."""
    access = []
    for scope in scopes:
        kind, _, rest = scope.partition(":")
        name, _, actions = rest.rpartition(":")
        permitted = allowed(kind, name)
        if kind == "registry" and name == "catalog":
            granted = ["*"] if "catalog" in permitted else []
        elif "*" in actions.split(","):
            granted = ["*"] if permitted >= {"pull", "push", "delete", "metadata_read", "metadata_write"} else \
                sorted(permitted - {"catalog"})
        else:
            granted = [a for a in actions.split(",") if a in permitted]
        access.append({"type": kind, "name": name, "actions": granted})
    return access
