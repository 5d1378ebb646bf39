"""What a command says when ARM refuses it or cannot be reached safely, through the real az: 401 says run
'az login', 403 names the permission, a TLS failure gets azure-cli's own certificate advice; and --debug output
never shows a token (not even its signature) or the client secret."""
import pytest

from emulator.certs import write_self_signed
from emulator.state import CLIENT_SECRET
from tests.helpers import REG

pytestmark = pytest.mark.e2e


def test_401_from_arm_says_run_az_login(az, emu):
    emu.fault(status=401, method="GET", path="/replications$", times=10)
    result = az("acr replication list {} -g demo-rg".format(REG), expect=1)
    assert "az login" in result.stderr and "Traceback" not in result.stderr


def test_403_names_the_missing_permission(az, emu):
    emu.fault(status=403, method="PUT", path="/replications/eastus$", times=10)
    result = az("acr replication create {} -l eastus".format(REG), expect=1)
    assert "AuthorizationFailed" in result.stderr
    assert "Microsoft.ContainerRegistry/registries/replications/*" in result.stderr


def test_tls_failure_gets_azure_clis_certificate_advice(az, emu, tmp_path):
    other_ca, _ = write_self_signed(str(tmp_path / "other-ca"))
    az.env["REQUESTS_CA_BUNDLE"] = az.env["SSL_CERT_FILE"] = other_ca
    result = az("acr replication list {} -g demo-rg".format(REG), expect=1)
    assert "Certificate verification failed" in result.stderr
    assert "Could not reach Azure Resource Manager" not in result.stderr


def test_debug_output_never_shows_tokens_or_client_secret(az, emu):
    emu.knobs(operation_seconds=0.2)
    outputs = []
    for command in ("acr replication create {} -l eastus --debug", "acr replication list {} --debug",
                    "acr replication update -n eastus {} --tags a=b --debug"):
        result = az(command.format(REG))
        outputs.append(result.stdout + result.stderr)
    text = "\n".join(outputs)
    assert "Authorization" in text or "authorization" in text  # the headers are logged, redacted
    tokens = emu.issued_tokens()
    assert tokens
    for token in tokens:
        assert token not in text
        assert token.split(".")[2] not in text  # not even the signature
    assert CLIENT_SECRET not in text
