#!/usr/bin/env python3
"""Runs the official SDK's examples (ovirtsdk4 4.6.3, examples/) against a running engine, in an
order where each finds what earlier ones made, and prints one line per example and the totals.
Each example is copied unchanged but for its engine URL, password and CA file; the examples that
read ~/.config/ovirt.conf get a config file naming the engine. What an example needs and does not
make itself (an image file to upload, a disk's id) is prepared or looked up through the SDK.

The OVA examples write in /tmp and read there and in /myvms and /mytemplates: the engine needs
HANGAR_STORAGE_ROOTS=/tmp:/myvms:/mytemplates.

Usage: PYTHONPATH=/tmp/ovirt-clients/lib /usr/bin/python3 bench/sdk-examples.py \
         EXAMPLES_DIR https://localhost:8443 PASSWORD CA_FILE [ONLY ...]
"""
import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import signal
import ssl
import tarfile
import tempfile
import time
import urllib.parse
import urllib.request

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

# Examples that cannot run on the Python 3 the SDK 4.6.3 needs.
PYTHON2 = {'fix_dup_nic_macs': 'Python 2 only (dict.iteritems)', 'vm_backup': 'Python 2 only (writes encoded bytes to a text file)'}

CONFIG = ['-c', 'engine']

# Examples that run until interrupted (they poll or read in a loop): after this many seconds they
# get SIGINT, as a user's Ctrl-C, and must then end well.
INTERRUPTED = {'image_transfer': 20, 'poll_events': 15}

# name, arguments; `{disk:NAME}` is the id of the disk named NAME, `{vm:NAME}` of the VM,
# `{snapshot:NAME}` of the disk's first snapshot volume, `{ovadisk:FILE}` the name of the first
# disk image in the OVA file, `{dir}` the work directory.
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
    ('clone_vm_from_snapshot', []), ('add_vm_pool', []),
    ('reprovision_stateless_vm_in_pool', []), ('set_vm_lease_storage_domain', []),
    ('extend_disk', []), ('deactivate_disk_attachment', []),
    ('upload_disk', CONFIG + ['--sd-name', 'mydata', '--disk-format', 'qcow2', '--disk-sparse', '{dir}/image.qcow2']),
    ('download_disk', CONFIG + ['{disk:image.qcow2}', '{dir}/downloaded.qcow2']),
    ('checksum_disk', CONFIG + ['{disk:image.qcow2}']), ('checksum_image', ['{dir}/image.qcow2']),
    ('image_transfer', CONFIG + ['download', '{disk:image.qcow2}']),
    ('cancel_transfer', ['--engine-url', '{engine}', '--username', 'admin@internal', '--password-file', '{dir}/password', '-c', '{ca}', '{paused:mydata}']),
    ('reduce_disk', CONFIG + ['{disk:image.qcow2}']), ('sparsify_disk', []),
    ('download_disk_snapshot', CONFIG + ['mydata', '{snapshot:mydisk}', '{dir}/snapshot.qcow2']),
    ('backup_vm', CONFIG + ['full', '--backup-dir', '{dir}', '{vm:myvm}']),
    ('checkpoints', CONFIG + ['list', '{vm:myvm}']), ('vm_backup', []),
    ('export_vm', []), ('export_template', []), ('export_vm_as_ova', []), ('export_template_as_ova', []),
    ('import_vm_from_ova', []), ('import_template_from_ova', []),
    ('upload_from_ova', CONFIG + ['--sd-name', 'mydata', '--ova-disk-name', '{ovadisk:/tmp/myvm2.ova}', '/tmp/myvm2.ova']),
    ('upload_ova_as_vm_or_template', CONFIG + ['--sd-name', 'mydata', '--cluster-name', 'mycluster', '--template', '/tmp/myova.ova']),
    ('download_vm_ovf', []),
    ('register_vm', []), ('import_vm', []),
    ('follow_vm_links', []), ('search_vms', []), ('page_vms', []), ('list_vms', []), ('show_summary', []),
    ('asynchronous_inventory', []), ('poll_events', []), ('print_vm_mac_duplicates', []),
    ('remove_numa_nodes_from_vm', []), ('connection_builder', []), ('disable_compression', []),
    ('add_bond', []), ('add_fence_agent', []), ('update_fencing_options', []), ('upgrade_host', []),
    ('update_quota_limits', []), ('change_master', CONFIG + ['mydc', 'bs-scsi-012']),
    ('unassign_tag_to_vm', []), ('remove_tag', []),
    ('delete_disks', CONFIG + ['--sd-name', 'mydata', '--description', 'Created by add_disks.py']),
    ('remove_vm', []), ('add_vm_with_sysprep', []), ('stop_vm', []), ('data_center_maintenance', []), ('change_host_cluster', []), ('remove_host', []),
]


def connection():
    return sdk.Connection(url=engine + '/ovirt-engine/api', username='admin@internal', password=password, ca_file=ca_file)


def lookup(kind, name):
    if kind == 'ovadisk':
        with tarfile.open(name) as ova:
            return ova.getnames()[1]
    c = connection()
    try:
        s = c.system_service()
        if kind == 'disk':
            return s.disks_service().list(search='name=%s' % name)[0].id
        if kind == 'vm':
            return s.vms_service().list(search='name=%s' % name)[0].id
        if kind == 'paused':
            # An upload to a new disk, paused by its client, as cancel_transfer.py expects; the
            # cancel removes the disk, as oVirt does.
            sd = s.storage_domains_service().list(search='name=%s' % name)[0]
            disk = s.disks_service().add(sdk.types.Disk(name='cancelled', format=sdk.types.DiskFormat.COW, provisioned_size=2 ** 26,
                                                        storage_domains=[sdk.types.StorageDomain(id=sd.id)]))
            while s.disks_service().disk_service(disk.id).get().status != sdk.types.DiskStatus.OK:
                time.sleep(0.5)
            transfers = s.image_transfers_service()
            transfer = transfers.add(sdk.types.ImageTransfer(disk=sdk.types.Disk(id=disk.id), direction=sdk.types.ImageTransferDirection.UPLOAD))
            service = transfers.image_transfer_service(transfer.id)
            while service.get().phase == sdk.types.ImageTransferPhase.INITIALIZING:
                time.sleep(0.5)
            service.pause()
            return transfer.id
        if kind == 'snapshot':
            disk = s.disks_service().list(search='name=%s' % name)[0]
            domain = s.storage_domains_service().storage_domain_service(disk.storage_domains[0].id)
            # A snapshot volume is named by its own id, and links the disk it is a volume of.
            return [d for d in domain.disk_snapshots_service().list() if d.disk.id == disk.id][0].id
    finally:
        c.close()


def api(method, path, body=None):
    """A call to the engine's API as admin@internal, for what the examples take as given."""
    ctx = ssl.create_default_context(cafile=ca_file)
    form = urllib.parse.urlencode({'grant_type': 'password', 'scope': 'ovirt-app-api', 'username': 'admin@internal', 'password': password})
    token = json.load(urllib.request.urlopen(engine + '/ovirt-engine/sso/oauth/token', form.encode(), context=ctx))['access_token']
    request = urllib.request.Request(engine + '/ovirt-engine/api' + path, body.encode() if body else None, method=method,
                                     headers={'Authorization': 'Bearer ' + token, 'Content-Type': 'application/xml', 'Accept': 'application/json'})
    answer = urllib.request.urlopen(request, context=ctx).read()
    return json.loads(answer) if answer else {}


# What some examples take as given and no example makes, made before the first that needs it.
def internal_user(name='myuser'):
    """An account of the internal directory, added as a user."""
    domain = api('GET', '/domains')['domain'][0]['id']
    api('POST', '/domains/%s/users' % domain, '<user><user_name>%s</user_name><password>%s-pass</password></user>' % (name, name))
    api('POST', '/users', '<user><user_name>%s@internal-authz</user_name><domain><name>internal-authz</name></domain></user>' % name)


def user_vms():
    """`user2` and the VMs assign_permission_to_vms.py gives it a role on."""
    internal_user('user2')
    for name in ('myvm1', 'myvm2', 'myvm3'):
        api('POST', '/vms', '<vm><name>%s</name><cluster><name>mycluster</name></cluster><template><name>Blank</name></template></vm>' % name)


def second_vm():
    """`myvm0`, which the tag examples tag."""
    api('POST', '/vms', '<vm><name>myvm0</name><cluster><name>mycluster</name></cluster><template><name>Blank</name></template></vm>')


def second_data_domain():
    """A second data domain of mydc, named as extend_disk.py names it, for change_master.py too."""
    sd = api('POST', '/storagedomains', '<storage_domain><name>bs-scsi-012</name><type>data</type><host><name>myhost</name></host>'
             '<storage><type>nfs</type><address>server0.example.com</address><path>/nfs/bs-scsi-012</path></storage></storage_domain>')
    dc = api('GET', '/datacenters?search=name%3Dmydc')['data_center'][0]['id']
    api('POST', '/datacenters/%s/storagedomains' % dc, '<storage_domain id="%s"/>' % sd['id'])


def export_domain():
    """An export domain of mydc named as export_vm.py, export_template.py and import_vm.py name it."""
    sd = api('POST', '/storagedomains', '<storage_domain><name>myexport</name><type>export</type><host><name>myhost</name></host>'
             '<storage><type>nfs</type><address>server0.example.com</address><path>/nfs/myexport</path></storage></storage_domain>')
    dc = api('GET', '/datacenters?search=name%3Dmydc')['data_center'][0]['id']
    api('POST', '/datacenters/%s/storagedomains' % dc, '<storage_domain id="%s"/>' % sd['id'])


def ova_file():
    """The OVA import_vm_from_ova.py reads, /myvms/my.ova: the one export_vm_as_ova.py wrote in /tmp."""
    os.makedirs('/myvms', exist_ok=True)
    shutil.copyfile('/tmp/myvm2.ova', '/myvms/my.ova')


def template_ova_file():
    """The OVA import_template_from_ova.py reads, /mytemplates/my.ova: the one export_template_as_ova.py
    wrote in /tmp. The template it makes is named mytemplate, as on an engine that lacks it: the
    template of that name is renamed first (its versions with it)."""
    os.makedirs('/mytemplates', exist_ok=True)
    shutil.copyfile('/tmp/mytemplate2.ova', '/mytemplates/my.ova')
    for found in api('GET', '/templates?search=name%3Dmytemplate').get('template', []):
        if int(found['version']['version_number']) == 1:
            api('PUT', '/templates/%s' % found['id'], '<template><name>mytemplate-exported</name></template>')


def ova_of_gone_vm():
    """The OVA upload_ova_as_vm_or_template.py --template uploads, /tmp/myova.ova: it makes disks with the
    ids of the OVF's, so it is the OVA of a VM (with a disk) that the engine no longer has."""
    if os.path.exists('/tmp/myova.ova'):
        os.remove('/tmp/myova.ova')
    vm = api('POST', '/vms', '<vm><name>myova</name><cluster><name>mycluster</name></cluster><template><name>Blank</name></template></vm>')
    sd = api('GET', '/storagedomains?search=name%3Dmydata')['storage_domain'][0]['id']
    api('POST', '/vms/%s/diskattachments' % vm['id'], '<disk_attachment><bootable>true</bootable><interface>virtio</interface><disk>'
        '<name>myova-disk</name><format>cow</format><provisioned_size>67108864</provisioned_size>'
        '<storage_domains><storage_domain id="%s"/></storage_domains></disk></disk_attachment>' % sd)
    host = api('GET', '/hosts?search=name%3Dmyhost')['host'][0]['id']
    api('POST', '/vms/%s/export' % vm['id'], '<action><host id="%s"/><directory>/tmp</directory><filename>myova.ova</filename></action>' % host)
    api('DELETE', '/vms/%s' % vm['id'])


def template_versions():
    """Versions 2 and 3 of mytemplate, made from myvm as add_template.py made the first:
    add_vm_from_template_version.py makes its VM from version 3."""
    templates = api('GET', '/templates?search=name%3Dmytemplate')['template']
    base = [t for t in templates if int(t['version']['version_number']) == 1][0]['id']
    vm = api('GET', '/vms?search=name%3Dmyvm')['vm'][0]['id']
    for n in (2, 3):
        made = api('POST', '/templates', '<template><name>mytemplate</name><vm id="%s"/><version><base_template id="%s"/>'
                   '<version_name>mytemplate-v%d</version_name></version></template>' % (vm, base, n))
        while api('GET', '/templates/%s' % made['id'])['status'] != 'ok':
            time.sleep(0.5)


def named_snapshot():
    """A snapshot of myvm described `mysnap`, which clone_vm_from_snapshot.py clones into a VM
    named as add_independet_vm.py names its clone, which goes first."""
    vm = api('GET', '/vms?search=name%3Dmyvm')['vm'][0]['id']
    api('POST', '/vms/%s/snapshots' % vm, '<snapshot><description>mysnap</description></snapshot>')
    clone = api('GET', '/vms?search=name%3Dmyclonedvm').get('vm', [])
    for found in clone:
        api('DELETE', '/vms/%s' % found['id'])


def spice_console():
    """A SPICE console of myvm, whose ticket get_display_ticket.py asks for."""
    vm = api('GET', '/vms?search=name%3Dmyvm')['vm'][0]['id']
    api('POST', '/vms/%s/graphicsconsoles' % vm, '<graphics_console><protocol>spice</protocol></graphics_console>')


def agent_vm():
    """`myagent`, the backup software's VM that vm_backup.py attaches myvm's snapshot disks to."""
    api('POST', '/vms', '<vm><name>myagent</name><cluster><name>mycluster</name></cluster><template><name>Blank</name></template></vm>')


PREPARE = {
    'add_vnc_console': spice_console,
    'clone_vm_from_snapshot': named_snapshot,
    'add_vm_from_template_version': template_versions,
    'assign_permission': internal_user,
    'assign_permission_to_vms': user_vms,
    'vm_backup': agent_vm,
    'export_vm': export_domain,
    'import_vm_from_ova': ova_file,
    'import_template_from_ova': template_ova_file,
    'upload_ova_as_vm_or_template': ova_of_gone_vm,
    'assign_tag_to_vm': second_vm,
    'extend_disk': second_data_domain,
}


def edited(source):
    """The example as a user runs it: only the engine's URL, the password and the CA file changed."""
    source = re.sub(r"url='https://[^']*/ovirt-engine/api'", "url='%s/ovirt-engine/api'" % engine, source)
    source = re.sub(r"password='[^']*'", "password='%s'" % password, source)
    source = re.sub(r"ca_file='[^']*'", "ca_file='%s'" % ca_file, source)
    # Some keep them in constants: API_URL = '...', API_PASSWORD = '...', API_CA_FILE = '...'.
    source = re.sub(r"^(\w*URL) = 'https://[^']*/ovirt-engine/api'", r"\1 = '%s/ovirt-engine/api'" % engine, source, flags=re.M)
    source = re.sub(r"^(\w*PASSWORD) = '[^']*'", r"\1 = '%s'" % password, source, flags=re.M)
    return re.sub(r"^(\w*CA_FILE) = '[^']*'", r"\1 = '%s'" % ca_file, source, flags=re.M)


def main():
    work = tempfile.mkdtemp(prefix='sdk-examples-')
    shutil.copytree(os.path.join(examples, 'helpers'), os.path.join(work, 'helpers'))
    config = configparser.ConfigParser()
    config['engine'] = {'engine_url': engine, 'username': 'admin@internal', 'password': password, 'cafile': ca_file}
    home = os.path.join(work, 'home')
    os.makedirs(os.path.join(home, '.config'))
    with open(os.path.join(home, '.config', 'ovirt.conf'), 'w') as f:
        config.write(f)
    with open(os.path.join(work, 'password'), 'w') as f:
        f.write(password)
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
        if n in OUTSIDE or n in PYTHON2:
            results.append((n, 'outside' if n in OUTSIDE else 'python2', OUTSIDE.get(n) or PYTHON2[n]))
            print('%-36s %-8s %s' % results[-1], flush=True)
            continue
        try:
            plain = [a.replace('{dir}', work).replace('{engine}', engine).replace('{ca}', ca_file) for a in args_of.get(n, [])]
            args = [re.sub(r'\{(\w+):([^}]+)\}', lambda m: lookup(m.group(1), m.group(2)), a) for a in plain]
        except Exception as e:
            results.append((n, 'failed', 'its input could not be found: %r' % e))
            print('%-36s %-8s %s' % results[-1], flush=True)
            continue
        if n in PREPARE and not only:
            PREPARE[n]()
        path = os.path.join(work, n + '.py')
        with open(os.path.join(examples, n + '.py')) as src, open(path, 'w') as dst:
            dst.write(edited(src.read()))
        # A runner started in the background inherits SIGINT ignored, and Python then never raises
        # KeyboardInterrupt: the example gets the default back, as at a terminal.
        run = subprocess.Popen([sys.executable, path] + args, cwd=work, env=env, text=True,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        try:
            out, err = run.communicate(timeout=INTERRUPTED.get(n, 300))
        except subprocess.TimeoutExpired:
            if n in INTERRUPTED:
                run.send_signal(signal.SIGINT)
            try:
                out, err = run.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                run.kill()
                out, err = run.communicate()
                err += '\nno end within %d s' % (INTERRUPTED.get(n, 300) + 60)
        last = (err.strip().splitlines() or out.strip().splitlines() or [''])[-1]
        # A looping example stopped by SIGINT ends well with nothing after its KeyboardInterrupt.
        stopped = n in INTERRUPTED and last.strip() == 'KeyboardInterrupt'
        results.append((n, 'ok' if run.returncode == 0 or stopped else 'failed', last[:300]))
        print('%-36s %-8s %s' % results[-1], flush=True)
    counts = {k: sum(1 for r in results if r[1] == k) for k in ('ok', 'failed', 'outside', 'python2')}
    print('examples: %(ok)d finished, %(failed)d failed, %(outside)d need an outside product, %(python2)d need Python 2' % counts)


main()
