#!/usr/bin/env python
# --------------------------------------------------------------------------------------------
# Copyright (c) acr-replication authors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
from setuptools import find_packages, setup

VERSION = '0.4.0'

CLASSIFIERS = [
    'Development Status :: 4 - Beta',
    'Intended Audience :: Developers',
    'Intended Audience :: System Administrators',
    'Programming Language :: Python',
    'Programming Language :: Python :: 3',
    'License :: OSI Approved :: MIT License',
]

# azure-cli ships azure-mgmt-containerregistry and azure-core: depending on them here would
# install a second copy into the extension dir that the CLI's own copy shadows.
DEPENDENCIES = []

with open('README.md', 'r', encoding='utf-8') as f:
    README = f.read()
with open('HISTORY.rst', 'r', encoding='utf-8') as f:
    HISTORY = f.read()

setup(
    name='acr-replication',
    version=VERSION,
    description='Faster, CI-friendly az acr replication: parallel regions, no-wait, wait, sync.',
    long_description=README + '\n\n' + HISTORY,
    long_description_content_type='text/markdown',
    license='MIT',
    author='acr-replication authors',
    url='https://example.invalid/acr-replication',
    classifiers=CLASSIFIERS,
    packages=find_packages(include=['azext_acr_replication', 'azext_acr_replication.*']),
    install_requires=DEPENDENCIES,
    package_data={'azext_acr_replication': ['azext_metadata.json']},
)
