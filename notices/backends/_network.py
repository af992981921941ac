"""What an SDK's exception means for a message: refused for good, worth another try, or in doubt.

The SDKs wrap network failures in their own exceptions with the text of the underlying `requests` error (Aliyun's
darabonba RetryError, Tencent's "ClientNetworkError"). A request that never left (refused connection, unknown
host, connect time-out) is safe to try again; one that may have reached the provider (read time-out, the
connection dropped mid-answer) is in doubt and is looked up before any new attempt.
"""

from . import InDoubt, ProviderError

MAYBE_DELIVERED = ("Read timed out", "RemoteDisconnected", "Connection aborted", "Connection reset", "IncompleteRead")
NEVER_LEFT = ("Connection refused", "NewConnectionError", "Failed to establish", "Name or service not known")

# Tencent's codes worth another try: its own failures, throttling and the network.
TENCENT_TRANSIENT_PREFIXES = ("InternalError", "RequestLimitExceeded", "ServerNetworkError", "ClientNetworkError")


def classify(exc: Exception, *, sending: bool) -> Exception:
    text = str(getattr(exc, "message", "") or exc)
    network = (
        getattr(exc, "name", "") == "RetryError"
        or type(exc).__name__ == "UnretryableException"  # Aliyun's wrapper around the RetryError
        or getattr(exc, "code", "") == "ClientNetworkError"
    )
    if network:
        if not sending or (any(m in text for m in NEVER_LEFT) and not any(m in text for m in MAYBE_DELIVERED)):
            return ProviderError("NetworkError", text, transient=True)
        return InDoubt(text)
    code = str(getattr(exc, "code", "") or type(exc).__name__)
    status = getattr(exc, "status_code", None)
    transient = (
        (isinstance(status, int) and (status >= 500 or status == 429))
        or type(exc).__name__ == "ThrottlingException"
        or code.startswith(TENCENT_TRANSIENT_PREFIXES)
        or code in {"Throttling", "Throttling.User", "ServiceUnavailable", "isp.SYSTEM_ERROR"}
    )
    return ProviderError(code, text, transient=transient)
