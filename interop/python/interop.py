"""Interop with the SD-JWT reference implementation (PyPI `sd-jwt`, 0.10.x).

    python3 interop.py verify-ours <dir>    verify our presentation with their verifier
    python3 interop.py issue-theirs <dir>   issue + present with their library, for our verifier

The reference implementation checks signatures, digests and the KB-JWT but not exp/nbf/iat
(its own TODO) nor status; where it accepts tampering we report it and carry on.
"""

import base64
import json
import sys
import time
from pathlib import Path

from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier


def verify_ours(d: Path) -> None:
    meta = json.loads((d / "ours.meta.json").read_text())
    issuer = JWK.from_json((d / "ours.issuer.jwk.json").read_text())
    presentation = (d / "ours.presentation.txt").read_text().strip()

    def verify(text: str) -> dict:
        v = SDJWTVerifier(text, lambda iss, header: issuer, expected_aud=meta["aud"], expected_nonce=meta["nonce"])
        return v.get_verified_payload()

    claims = verify(presentation)
    assert claims["given_name"] == "Amara", claims
    assert len(claims["competences"]) == 1 and "family_name" not in claims, claims
    print(f"python: our presentation VERIFIED by sd-jwt (vct {claims['vct']})")

    parts = presentation.split("~")
    arr = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    arr[-1] = "Mallory"
    edited = base64.urlsafe_b64encode(json.dumps(arr).encode()).decode().rstrip("=")
    cases = {
        "disclosure edited": "~".join([parts[0], edited] + parts[2:]),
        "disclosure dropped under KB": "~".join([parts[0]] + parts[2:]),
    }
    cases["expired credential"] = (d / "ours.expired.presentation.txt").read_text().strip()
    for name, text in cases.items():
        try:
            verify(text)
            outcome = "ACCEPTED (library is lax here)"
        except Exception:  # noqa: BLE001 - any refusal counts
            outcome = "rejected"
        print(f"python: {name}: {outcome}")


def issue_theirs(d: Path) -> None:
    meta = json.loads((d / "ours.meta.json").read_text())
    issuer = JWK.generate(kty="EC", crv="P-256")
    holder = JWK.generate(kty="EC", crv="P-256")
    kid = issuer.thumbprint()
    now = int(time.time())
    claims = {
        "iss": "https://python.interop.example",
        "vct": "https://passport.example.nhs.uk/vct/cstf-training/1",
        "iat": now - 60,
        "exp": now + 3600,
        SDObj("given_name"): "Amara",
        SDObj("family_name"): "Okafor",
        "competences": [SDObj({"subject": "Fire Safety", "level": 1}), SDObj({"subject": "Resuscitation", "level": 2})],
    }
    sd = SDJWTIssuer(
        claims,
        issuer,
        holder_key=holder,
        sign_alg="ES256",
        add_decoy_claims=True,
        extra_header_parameters={"typ": "dc+sd-jwt", "kid": kid},
    )
    h = SDJWTHolder(sd.sd_jwt_issuance)
    h.create_presentation(
        {"given_name": True, "competences": [False, True]},
        nonce=meta["nonce"],
        aud=meta["aud"],
        holder_key=holder,
        sign_alg="ES256",
    )
    (d / "python.presentation.txt").write_text(h.sd_jwt_presentation)
    public = issuer.export_public(as_dict=True)
    public["kid"] = kid
    (d / "python.issuer.jwk.json").write_text(json.dumps(public))
    (d / "python.iss.txt").write_text(claims["iss"])
    print("python: issued and presented with sd-jwt")


if __name__ == "__main__":
    mode, directory = sys.argv[1], Path(sys.argv[2])
    try:
        {"verify-ours": verify_ours, "issue-theirs": issue_theirs}[mode](directory)
    except Exception as e:  # noqa: BLE001 - report and fail the step
        print(f"python: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
