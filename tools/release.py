"""`make release`: the wheel plus an extension index entry, in the format of azure-cli's extension index.

    python -m tools.release [--wheel dist/acr_replication-X.whl] [--download-url-base URL] [--index dist/index.json]

A team hosts the wheel and index.json anywhere its machines reach (a storage account, an internal web
server), then `az config set extension.index_url=<url of index.json>` and `az extension add --name
acr-replication` / `az extension update --name acr-replication` work as for Microsoft's own index.
An existing index file is updated: this version's entry is added or replaced, older versions are kept
(so `az extension add --version` can still pick them).
"""
import argparse
import email.parser
import glob
import hashlib
import json
import os
import zipfile

NAME = "acr-replication"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wheel_metadata(path):
    """The index's `metadata` for a wheel: its METADATA (name, version, summary, license, classifiers,
    home page, author) and the extension's azext_metadata.json (azext.minCliCoreVersion, ...)."""
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        wheel_name = next(n for n in names if n.endswith(".dist-info/WHEEL"))
        azext_name = next(n for n in names if n.endswith("/azext_metadata.json"))
        meta = email.parser.Parser().parsestr(wheel.read(meta_name).decode("utf-8"), headersonly=True)
        generator = email.parser.Parser().parsestr(wheel.read(wheel_name).decode("utf-8")).get("Generator")
        azext = json.loads(wheel.read(azext_name).decode("utf-8"))
    metadata = dict(azext)
    metadata.update({
        "classifiers": meta.get_all("Classifier") or [],
        "extensions": {"python.details": {
            "contacts": [{"name": meta.get("Author"), "role": "author"}],
            "document_names": {"description": "DESCRIPTION.rst"},
            "project_urls": {"Home": meta.get("Home-page") or ""}}},
        "generator": generator,
        "license": meta.get("License"),
        "metadata_version": "2.0",
        "name": meta.get("Name"),
        "summary": meta.get("Summary"),
        "version": meta.get("Version"),
    })
    requires = meta.get_all("Requires-Dist")
    if requires:
        metadata["run_requires"] = [{"requires": requires}]
    return metadata


def index_entry(path, download_url_base):
    with open(path, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    filename = os.path.basename(path)
    base = download_url_base.rstrip("/") + "/" if download_url_base else ""
    return {"downloadUrl": base + filename, "filename": filename, "metadata": wheel_metadata(path),
            "sha256Digest": digest}


def write_index(index_path, entry):
    index = {"extensions": {}, "formatVersion": "1"}
    if os.path.exists(index_path):
        with open(index_path) as handle:
            index = json.load(handle)
    entries = [e for e in index.setdefault("extensions", {}).get(NAME, []) if e["filename"] != entry["filename"]]
    entries.append(entry)
    index["extensions"][NAME] = sorted(entries, key=lambda e: e["filename"])
    with open(index_path, "w") as handle:
        json.dump(index, handle, indent=4, sort_keys=True)
        handle.write("\n")
    return index


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.release", description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", default=None, help="default: the newest dist/acr_replication-*.whl")
    parser.add_argument("--download-url-base", default=None,
                        help="where the wheel will be served from; default: the wheel's own directory (file path)")
    parser.add_argument("--index", default=os.path.join(ROOT, "dist", "index.json"))
    args = parser.parse_args(argv)
    wheel = args.wheel or sorted(glob.glob(os.path.join(ROOT, "dist", "acr_replication-*.whl")),
                                 key=os.path.getmtime)[-1]
    base = args.download_url_base or os.path.dirname(os.path.abspath(wheel))
    entry = index_entry(wheel, base)
    write_index(args.index, entry)
    print("{} -> {} ({} {}, sha256 {})".format(os.path.basename(wheel), args.index, entry["metadata"]["name"],
                                               entry["metadata"]["version"], entry["sha256Digest"][:12]))


if __name__ == "__main__":
    main()
