# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""Registry names and locations: normalising and checking what the user typed. No I/O."""
import difflib
import re

REGISTRY_NAME = re.compile(r'^[a-zA-Z0-9]{5,50}$')
BAD_REGISTRY_NAME = ("Registry names may contain only alpha numeric characters and must be between 5 and 50 "
                     "characters; got '{}'.")
# login-server suffixes of the public and sovereign clouds (azure-cli's AzureCloud, AzureChinaCloud,
# AzureUSGovernment): a registry named by its login server in any of them is that registry
LOGIN_SERVER_SUFFIXES = ('.azurecr.io', '.azurecr.cn', '.azurecr.us')


def strip_login_server(name, current_cloud_suffix=None):
    """'myreg.azurecr.cn' -> 'myreg', and a login server with a domain name label hash,
    'myreg-<hash>.azurecr.io' -> 'myreg' (registry names have no '-'); any other name is returned as it is."""
    suffixes = list(LOGIN_SERVER_SUFFIXES)
    if current_cloud_suffix:
        suffixes.insert(0, current_cloud_suffix if current_cloud_suffix.startswith('.') else '.' + current_cloud_suffix)
    for suffix in suffixes:
        if name.lower().endswith(suffix.lower()):
            return name[:-len(suffix)].split('-', 1)[0]
    return name


def normalize_location(location):
    """'Japan East' -> 'japaneast': the form ARM uses and the default replication name."""
    return "".join(location.split()).lower()


def split_locations(values):
    """Flatten space- and comma-separated locations; return (unique normalised, duplicates) in order."""
    seen, unique, duplicates = set(), [], []
    for value in values or []:
        for part in value.split(','):
            location = normalize_location(part)
            if not location:
                continue
            if location in seen:
                duplicates.append(location)
                continue
            seen.add(location)
            unique.append(location)
    return unique, duplicates


def closest_regions(location, known):
    """The known regions a mistyped one most likely meant (at most 3, best first; ties kept)."""
    scored = sorted(((difflib.SequenceMatcher(None, location, k).ratio(), k) for k in known), reverse=True)
    best = scored[0][0] if scored else 0
    return [k for score, k in scored if score >= 0.75 and score >= best - 0.02][:3]


def did_you_mean(close):
    return "Did you mean " + " or ".join(f"'{c}'" for c in sorted(close)) + "?"


def unknown_location_message(location, known):
    """One sentence for a region ARM does not offer, with the closest match or the valid list."""
    close = closest_regions(location, known)
    if close:
        return f"'{location}' is not an Azure region this subscription offers. {did_you_mean(close)}"
    return f"'{location}' is not an Azure region this subscription offers. Valid regions: {', '.join(sorted(known))}."
