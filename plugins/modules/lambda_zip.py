#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lambda_zip
short_description: Build a Lambda deployment zip that has the same bytes for the same sources
version_added: 0.1.0
description:
  - Packs Python files and package folders into a zip with fixed timestamps, permissions and entry
    order, so that the same sources always give the same bytes and the same C(CodeSha256).
    M(amazon.aws.lambda) then sees no change on a re-run, and reports C(changed=false).
  - Writes O(dest) only when its content would differ. Supports check mode.
  - Runs where the sources are (usually the control node).
author:
  - resilience.s3_dr maintainers (@resilience)
attributes:
  diff_mode:
    support: none
    details: Nothing to show; the result lists the entries of the zip.
  platform:
    details: Runs where its sources are, usually the control node.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - resilience.s3_dr.attributes
options:
  dest:
    description: Path of the zip to write.
    type: path
    required: true
  files:
    description: Files put at the root of the zip (the handler modules).
    type: list
    elements: path
    default: []
  packages:
    description:
      - Package name -> source folder. Every C(.py) file of the folder and its sub-folders goes
        into the zip under the package name. Caches and other files are left out.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Package a handler with the collection's core as package s3dr_core
  resilience.s3_dr.lambda_zip:
    dest: /tmp/source_bucket_check.zip
    files:
      - "{{ role_path }}/files/handlers/source_bucket_check.py"
    packages:
      s3dr_core: "{{ role_path }}/../../plugins/module_utils/core"
  register: package

- name: Deploy it (unchanged sources -> unchanged function)
  amazon.aws.lambda:
    name: source_bucket_check
    zip_file: "{{ package.dest }}"
    runtime: python3.12
    handler: source_bucket_check.handler
    role: "{{ role_arn }}"
"""

RETURN = r"""
dest:
  description: The zip written.
  returned: always
  type: str
code_sha256:
  description: Base64 SHA-256 of the zip, as Lambda reports C(CodeSha256).
  returned: always
  type: str
entries:
  description: The paths inside the zip.
  returned: always
  type: list
  elements: str
"""

import base64
import hashlib
import io
import os
import tempfile
import zipfile

from ansible.module_utils.basic import AnsibleModule

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry can carry
FILE_MODE = 0o644 << 16


def collect(files, packages):
    """(name in zip, source path) for every entry, sorted by name."""
    entries = {}
    for path in files:
        entries[os.path.basename(path)] = path
    for package, folder in packages.items():
        for root, dirs, names in os.walk(folder):
            dirs[:] = sorted(name for name in dirs if name != "__pycache__")
            for name in names:
                if name.endswith(".py"):
                    relative = os.path.relpath(os.path.join(root, name), folder)
                    entries[f"{package}/{relative}".replace(os.sep, "/")] = os.path.join(root, name)
    return sorted(entries.items())


def build(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, path in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = FILE_MODE
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as source:
                archive.writestr(info, source.read())
    return buffer.getvalue()


def write_atomically(dest, content):
    """Readers see the old zip or the new one, never part of one, even when runs package at once."""
    directory = os.path.dirname(os.path.abspath(dest))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(dest)}.")
    with os.fdopen(handle, "wb") as target:
        target.write(content)
    os.chmod(temporary, 0o644)
    os.replace(temporary, dest)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type="path", required=True),
            files=dict(type="list", elements="path", default=[]),
            packages=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    dest = module.params["dest"]
    missing = [path for path in module.params["files"] if not os.path.isfile(path)]
    missing += [folder for folder in module.params["packages"].values() if not os.path.isdir(folder)]
    if missing:
        module.fail_json(msg=f"Cannot package {dest}: these sources do not exist: {', '.join(missing)}")
    if not module.params["files"] and not module.params["packages"]:
        module.fail_json(msg=f"Cannot package {dest}: give files or packages")
    entries = collect(module.params["files"], module.params["packages"])
    content = build(entries)
    current = None
    if os.path.exists(dest):
        with open(dest, "rb") as existing:
            current = existing.read()
    changed = current != content
    if changed and not module.check_mode:
        write_atomically(dest, content)
    module.exit_json(changed=changed, dest=dest, entries=[name for name, path in entries],
                     code_sha256=base64.b64encode(hashlib.sha256(content).digest()).decode())


if __name__ == "__main__":
    main()
