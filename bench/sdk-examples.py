#!/usr/bin/env python3
"""Runs the official SDK's examples (ovirtsdk4 4.6.3, examples/) against a running engine, in an
order where each finds what earlier ones made, and prints one line per example and the totals.
Each example is copied unchanged but for its engine URL, password and CA file; the examples that
read ~/.config/ovirt.conf get a config file naming the engine. What an example needs and does not
make itself (an image file to upload, a disk's id) is prepared or looked up through the SDK.

Usage: PYTHONPATH=/tmp/ovirt-clients/lib /usr/bin/python3 bench/sdk-examples.py \
         EXAMPLES_DIR https://localhost:8443 PASSWORD CA_FILE [ONLY ...]
"""
import configparser
import os
import re
import shutil
import subprocess
import sys
import tempfile

import ovirtsdk4 as sdk

examples, engine, password, ca_file = sys.argv[1:5]
only = set(sys.argv[5:])

# Examples that need an outside product: iSCSI/FC storage, OpenStack Glance, VMware.
OUTSIDE = {
    'add_iscsi_data_storage_domain': 'iSCSI storage',
    'add_lun_disk_to_vm': 'iSCSI LUN',
    'add_openstack_image_provider': 'OpenStack',
    'import_glance_image': 'OpenStack Glance',
    'list_glance_images': 'OpenStack Glance',
    'import_vm_from_vmware': 'VMware',
}

CONFIG = ['-c', 'engine']

# name, arguments; `{disk:NAME}` is the id of the disk named NAME, `{dir}` the work directory.
ORDER = [
    ('test_connection', []),
    ('add_data_center', []), ('update_data_center', []), ('add_cluster', []), ('add_host', []),
    ('add_logical_network', []), ('assign_network_to_cluster', []), ('list_cluster_networks', []),
    ('add_nfs_data_storage_domain', []), ('attach_nfs_data_storage_domain', []),
    ('add_nfs_iso_storage_domain', []), ('attach_nfs_iso_storage_domain', []),
    ('list_storage_domains', CONFIG), ('add_mac_pool', []), ('add_instance_type', []),
    ('add_role', []), ('list_roles', []), ('add_group', []), ('add_tag', []), ('list_tags', []),
    ('add_affinity_label', []), ('list_affinity_labels', []),
    ('add_vm', []), ('add_vm_nic', []), ('add_vm_disk', []), ('list_vm_disks', []),
    ('add_floating_disk', []), ('add_disks', CONFIG + ['--sd-name', 'mydata', '--count', '2']),
    ('add_vnc_console', []), ('enable_serial_console', []), ('set_vm_serial_number', []),
    ('assign_tag_to_vm', []), ('list_tags_of_vm', []), ('assign_affinity_label_to_vm', []),
    ('assign_permission', []), ('assign_permission_to_vms', []), ('add_user_ssh_public_key', []),
    ('add_vm_snapshot', []), ('list_vm_snapshots', []), ('list_disk_snapshots', CONFIG + ['{disk:mydisk}']),
    ('pin_vm', []), ('start_vm', []), ('get_vm_ip', []), ('get_display_ticket', []),
    ('change_vm_cd', CONFIG + ['myvm']), ('list_host_statistics', []), ('stop_vm', []),
    ('start_vm_with_boot_devices', []), ('stop_vm', []), ('start_vm_with_cloud_init', []), ('stop_vm', []),
    ('add_template', []), ('add_vm_from_template_version', []), ('add_independet_vm', []),
    ('add_vm_with_sysprep', []), ('clone_vm_from_snapshot', []), ('add_vm_pool', []),
    ('reprovision_stateless_vm_in_pool', []), ('set_vm_lease_storage_domain', []),
    ('extend_disk', []), ('deactivate_disk_attachment', []),
    ('upload_disk', CONFIG + ['--sd-name', 'mydata', '--disk-format', 'qcow2', '--disk-sparse', '{dir}/image.qcow2']),
    ('download_disk', CONFIG + ['{disk:image.qcow2}', '{dir}/downloaded.qcow2']),
    ('checksum_disk', CONFIG + ['{disk:image.qcow2}']), ('checksum_image', ['{dir}/image.qcow2']),
    ('image_transfer', CONFIG + ['download', '{disk:image.qcow2}']),
    ('reduce_disk', CONFIG + ['{disk:image.qcow2}']), ('sparsify_disk', []),
    ('download_disk_snapshot', CONFIG + ['{snapshot:mydisk}', '{dir}/snapshot.qcow2']),
    ('backup_vm', CONFIG + ['full', '--backup-dir', '{dir}', '{vm:myvm}']),
    ('checkpoints', CONFIG + ['list', '{vm:myvm}']), ('vm_backup', []),
    ('export_vm', []), ('export_template', []), ('export_vm_as_ova', []), ('export_template_as_ova', []),
    ('import_vm_from_ova', []), ('import_template_from_ova', []), ('download_vm_ovf', []),
    ('register_vm', []), ('import_vm', []),
    ('follow_vm_links', []), ('search_vms', []), ('page_vms', []), ('list_vms', []), ('show_summary', []),
    ('asynchronous_inventory', []), ('poll_events', []), ('print_vm_mac_duplicates', []), ('fix_dup_nic_macs', []),
    ('remove_numa_nodes_from_vm', []), ('connection_builder', []), ('disable_compression', []),
    ('add_bond', []), ('add_fence_agent', []), ('update_fencing_options', []), ('upgrade_host', []),
    ('update_quota_limits', []), ('change_master', CONFIG + ['mydc', 'mydata']),
    ('unassign_tag_to_vm', []), ('remove_tag', []),
    ('delete_disks', CONFIG + ['--sd-name', 'mydata', '--description', 'Created by add_disks.py']),
    ('remove_vm', []), ('data_center_maintenance', []), ('change_host_cluster', []), ('remove_host', []),
]


def connection():
    return sdk.Connection(url=engine + '/ovirt-engine/api', username='admin@internal', password=password, ca_file=ca_file)


def lookup(kind, name):
    c = connection()
    try:
        s = c.system_service()
        if kind == 'disk':
            return s.disks_service().list(search='name=%s' % name)[0].id
        if kind == 'vm':
            return s.vms_service().list(search='name=%s' % name)[0].id
        if kind == 'snapshot':
            disk = s.disks_service().list(search='name=%s' % name)[0]
            domain = s.storage_domains_service().storage_domain_service(disk.storage_domains[0].id)
            return [d for d in domain.disk_snapshots_service().list() if d.id == disk.id][0].image_id
    finally:
        c.close()


def edited(source):
    """The example as a user runs it: only the engine's URL, the password and the CA file changed."""
    source = re.sub(r"url='https://[^']*/ovirt-engine/api'", "url='%s/ovirt-engine/api'" % engine, source)
    source = re.sub(r"password='[^']*'", "password='%s'" % password, source)
    return re.sub(r"ca_file='[^']*'", "ca_file='%s'" % ca_file, source)


def main():
    work = tempfile.mkdtemp(prefix='sdk-examples-')
    shutil.copytree(os.path.join(examples, 'helpers'), os.path.join(work, 'helpers'))
    config = configparser.ConfigParser()
    config['engine'] = {'engine_url': engine, 'username': 'admin@internal', 'password': password, 'cafile': ca_file}
    home = os.path.join(work, 'home')
    os.makedirs(os.path.join(home, '.config'))
    with open(os.path.join(home, '.config', 'ovirt.conf'), 'w') as f:
        config.write(f)
    subprocess.run(['qemu-img', 'create', '-f', 'qcow2', os.path.join(work, 'image.qcow2'), '64M'], check=True, capture_output=True)
    env = dict(os.environ, HOME=home)
    results = []
    names = [n for n, _ in ORDER]
    for f in sorted(os.listdir(examples)):
        if f.endswith('.py') and f[:-3] not in names:
            names.append(f[:-3])
    args_of = {}
    for n, a in ORDER:
        args_of.setdefault(n, a)
    for n in names:
        if only and n not in only:
            continue
        if n in OUTSIDE:
            results.append((n, 'outside', OUTSIDE[n]))
            continue
        try:
            args = [re.sub(r'\{(\w+):([^}]+)\}', lambda m: lookup(m.group(1), m.group(2)), a.replace('{dir}', work)) for a in args_of.get(n, [])]
        except Exception as e:
            results.append((n, 'failed', 'its input could not be found: %r' % e))
            continue
        path = os.path.join(work, n + '.py')
        with open(os.path.join(examples, n + '.py')) as src, open(path, 'w') as dst:
            dst.write(edited(src.read()))
        try:
            run = subprocess.run([sys.executable, path] + args, cwd=work, env=env, capture_output=True, text=True, timeout=300)
            last = (run.stderr.strip().splitlines() or run.stdout.strip().splitlines() or [''])[-1]
            results.append((n, 'ok' if run.returncode == 0 else 'failed', last[:300]))
        except subprocess.TimeoutExpired:
            results.append((n, 'failed', 'no end within 300 s'))
        print('%-36s %-8s %s' % results[-1], flush=True)
    counts = {k: sum(1 for r in results if r[1] == k) for k in ('ok', 'failed', 'outside')}
    print('examples: %(ok)d finished, %(failed)d failed, %(outside)d need an outside product' % counts)


main()
