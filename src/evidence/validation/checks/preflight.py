"""A preflight record agrees with its own figures, the config that trained and the devices."""

from __future__ import annotations

from evidence.findings import Code, Finding
from evidence.models.manifest import MANIFEST_FILE, ConfigRef, DeviceInfo, RunManifestBase
from evidence.models.types import is_placeholder


def check_preflight(manifest: RunManifestBase) -> list[Finding]:
    """A preflight record, where there is one, agrees with its own figures, with the config
    that trained (the smoke config in a smoke run) and with the devices the run used."""
    record = manifest.preflight
    if record is None:
        return []
    findings = []
    peak, usable = record.predicted_peak_bytes_per_device, record.usable_bytes_per_device
    if (peak <= usable) != (record.verdict == "fits"):
        findings.append(Finding(MANIFEST_FILE, Code.PREFLIGHT_INCONSISTENT,
                                f"verdict {record.verdict}, but the predicted peak {peak:,} bytes "
                                f"is {'within' if peak <= usable else 'over'} the usable "
                                f"{usable:,} bytes per device", "/preflight/verdict"))
    trained = manifest.smoke_config if manifest.mode == "smoke" else manifest.config
    if isinstance(trained, ConfigRef) and not is_placeholder(manifest.mode) and \
            trained.sha256 != record.config_sha256:
        findings.append(Finding(MANIFEST_FILE, Code.PREFLIGHT_MISMATCH,
                                f"the preflight checked another config than {trained.path}, "
                                "which trained", "/preflight/config_sha256"))
    device = manifest.device
    if isinstance(device, DeviceInfo) and (device.platform, device.kind, device.count) != \
            (record.platform, record.device_kind, record.devices):
        findings.append(Finding(MANIFEST_FILE, Code.PREFLIGHT_MISMATCH,
                                f"the preflight checked {record.devices} x {record.device_kind} "
                                f"({record.platform}), the run used {device.count} x "
                                f"{device.kind} ({device.platform})", "/preflight/devices"))
    return findings
