#!/usr/bin/env python3
"""Derives bench/sdk-services.json from ovirtsdk4's generated services.py (4.6.3): for each SDK
service, the paths it locates (and the services they lead to), the service of one member of a
collection, and the actions it posts, by their wire names. bench/sdk-coverage.ts reads the file.

Usage: bench/sdk-services.py /path/to/ovirtsdk4/services.py > bench/sdk-services.json
"""
import json
import re
import sys

source = open(sys.argv[1]).read()
services = {}
for body in re.split(r'\nclass ', source)[1:]:
    head = re.match(r'(\w+)\((\w*Service)\):', body)
    if not head:
        continue
    # Each locator method returns its service, and `service(path)` names the method for a path.
    made = dict(re.findall(r"def (\w+)\(self(?:, id(?:_or_name)?)?\):(?:(?!\n    def ).)*?return (\w+)\(self\._connection", body, re.S))
    locators = {path: made[method] for path, method in re.findall(r"if path == '(\w+)':\s+return self\.(\w+)\(\)", body)}
    member = re.search(r"if index == -1:\s+return self\.(\w+)\(path\)", body)
    actions = sorted(set(re.findall(r"_internal_action\(\s*\w+,\s*'(\w+)'", body)))
    services[head.group(1)] = {
        'locators': locators,
        'member': made[member.group(1)] if member else None,
        'actions': actions,
        'base': head.group(2),
    }
# A service made from another (SystemPermissionsService from AssignedPermissionsService) has its paths too.
for service in services.values():
    base = services.get(service.pop('base'))
    if base:
        service['locators'] = {**base['locators'], **service['locators']}
        service['member'] = service['member'] or base['member']
        service['actions'] = sorted(set(base['actions'] + service['actions']))
json.dump({'sdk': 'ovirtsdk4 4.6.3', 'root': 'SystemService', 'services': services}, sys.stdout, indent=1, sort_keys=True)
print()
