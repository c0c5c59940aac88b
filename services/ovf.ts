// oVirt's OVF documents of a VM, written and read: the engine's form (ovirt-engine's OvfVmWriter, as
// its OVF stores and `all_content` carry it: `Section`/`Content` typed by xsi:type, disk sizes in
// GiB, files as `<disk id>/<volume id>`) and the OVA form (OvfOvaVmWriter: `DiskSection` and
// `VirtualSystem`, each disk a file of the archive named by the disk's id).
import { XMLParser } from 'fast-xml-parser';
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { badRequest } from './fault';

type VmObj = ObjOf<typeof T.Vm>;
type DiskObj = ObjOf<typeof T.Disk>;
type DomainObj = ObjOf<typeof T.StorageDomain>;
type AttachmentObj = ObjOf<typeof T.DiskAttachment>;
type NicObj = ObjOf<typeof T.Nic>;

export type OvfFlavour = 'engine' | 'ova';

/** What one OVF document describes: a VM (or template), its disks with how they are attached, its NICs. */
export interface OvfSource {
  vm: VmObj;
  isTemplate?: boolean;
  clusterName?: string;
  template: { id: string; name: string };
  disks: { disk: DiskObj; attachment: AttachmentObj; actualSize: number }[];
  nics: { nic: NicObj; network?: string; profile?: string }[];
}

/** An OVF source as the database has it: the bytes each volume takes are read from the files later. */
export type OvfRows = Omit<OvfSource, 'disks'> & { disks: (Omit<OvfSource['disks'][number], 'actualSize'> & { domain?: DomainObj })[] };

/** What the engine takes from an OVF document. */
export interface OvfRead {
  id?: string;
  isTemplate: boolean;
  vm: VmObj;
  clusterName?: string;
  templateId?: string;
  disks: OvfDiskRead[];
  nics: { name: string; mac?: string; network?: string; profile?: string; interface: string; linked: boolean; plugged: boolean }[];
}

export interface OvfDiskRead {
  id: string;
  /** The volume the disk reads (engine form). */
  imageId?: string;
  storageDomainId?: string;
  /** The archive member holding the image (OVA form). */
  fileRef: string;
  /** In bytes; the image itself is the authority. */
  size: number;
  format: 'cow' | 'raw';
  sparse: boolean;
  alias?: string;
  description?: string;
  interface: string;
  bootable: boolean;
  readOnly: boolean;
  shareable: boolean;
  wipeAfterDelete: boolean;
  passDiscard: boolean;
}

const GiB = 1024 ** 3;
const BLANK = '00000000-0000-0000-0000-000000000000';
const NS = {
  engine: 'http://schemas.dmtf.org/ovf/envelope/1/',
  ova: 'http://schemas.dmtf.org/ovf/envelope/1',
};
const RASD = 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData';
const VSSD = 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
/** The engine version the documents say wrote them. */
const OVF_VERSION = '4.4.0.0';

// oVirt's names of what the API calls otherwise.
const DISK_INTERFACES: Record<string, string> = { virtio: 'VirtIO', virtio_scsi: 'VirtIO_SCSI', ide: 'IDE', sata: 'SATA', spapr_vscsi: 'SPAPR_VSCSI' };
const NIC_TYPES: Record<string, number> = { rtl8139_virtio: 0, rtl8139: 1, e1000: 2, virtio: 3, spapr_vlan: 4, pci_passthrough: 5, e1000e: 6 };
const VM_TYPES: Record<string, number> = { desktop: 0, server: 1, high_performance: 2 };
const keyOf = (table: Record<string, string | number>, value: string | number | undefined, fallback: string) =>
  Object.entries(table).find(([, v]) => String(v).toLowerCase() === String(value).toLowerCase())?.[0] ?? fallback;

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An element: attributes in order, then children or text. */
function el(name: string, attrs: Record<string, string | number | boolean | undefined>, ...content: (string | undefined)[]): string {
  const a = Object.entries(attrs).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}="${escape(String(v))}"`).join('');
  const inner = content.filter((c) => c !== undefined).join('');
  return inner === '' ? `<${name}${a}/>` : `<${name}${a}>${inner}</${name}>`;
}
const text = (name: string, value: string | number | boolean | undefined) => el(name, {}, value === undefined ? undefined : escape(String(value)));

/** oVirt's dates in OVF: `yyyy/MM/dd HH:mm:ss`, in UTC. */
function ovfDate(iso?: string): string {
  const d = iso ? new Date(iso) : new Date();
  return d.toISOString().replace('T', ' ').replace(/-/g, '/').slice(0, 19);
}

/** The file a disk stands for in the document: its volume (engine form) or its archive member (OVA). */
const fileOf = (disk: DiskObj, flavour: OvfFlavour) => (flavour === 'ova' ? String(disk.id) : `${String(disk.id)}/${String(disk.image_id)}`);

function diskItem(d: OvfSource['disks'][number], flavour: OvfFlavour, index: number): string {
  const { disk, attachment } = d;
  return el('Item', {},
    text('rasd:Caption', disk.alias ?? disk.name ?? `Drive ${index + 1}`),
    text('rasd:InstanceId', String(flavour === 'ova' ? disk.id : disk.image_id)),
    text('rasd:ResourceType', 17),
    text('rasd:HostResource', fileOf(disk, flavour)),
    text('rasd:Parent', BLANK),
    text('rasd:Template', BLANK),
    text('rasd:ApplicationList', undefined),
    text('rasd:StorageId', disk.storage_domain?.id ?? ''),
    text('rasd:StoragePoolId', BLANK),
    text('rasd:CreationDate', ovfDate()),
    text('rasd:LastModified', ovfDate()),
    text('rasd:last_modified_date', ovfDate()),
    text('Type', 'disk'),
    text('Device', 'disk'),
    text('rasd:Address', undefined),
    text('BootOrder', attachment.bootable ? 1 : 0),
    text('IsPlugged', attachment.active !== false),
    text('IsReadOnly', attachment.read_only === true),
    text('Alias', undefined),
  );
}

function nicItem(n: OvfSource['nics'][number]): string {
  const { nic } = n;
  return el('Item', {},
    text('rasd:Caption', `Ethernet adapter on ${n.network ?? '[No Network]'}`),
    text('rasd:InstanceId', String(nic.id)),
    text('rasd:ResourceType', 10),
    text('rasd:OtherResourceType', n.network ?? ''),
    text('rasd:ResourceSubType', NIC_TYPES[String(nic.interface ?? 'virtio')] ?? 3),
    text('rasd:Connection', n.network ?? ''),
    text('rasd:Linked', nic.linked !== false),
    text('rasd:Name', String(nic.name)),
    text('rasd:ElementName', String(nic.name)),
    text('rasd:MACAddress', nic.mac?.address ?? ''),
    text('rasd:speed', 1000),
    text('Type', 'interface'),
    text('Device', 'bridge'),
    text('rasd:Address', undefined),
    text('BootOrder', 0),
    text('IsPlugged', nic.plugged !== false),
    text('IsReadOnly', false),
    text('Alias', undefined),
    ...(n.profile ? [text('VnicProfileName', n.profile)] : []),
  );
}

/** The OVF document of a VM (or template), in oVirt's engine form or in its OVA form. */
export function writeOvf(src: OvfSource, flavour: OvfFlavour): string {
  const { vm } = src;
  const mb = (bytes: unknown) => Math.round(Number(bytes ?? 0) / (1024 * 1024));
  const topology = vm.cpu?.topology ?? {};
  const [sockets, cores, threads] = [topology.sockets ?? 1, topology.cores ?? 1, topology.threads ?? 1];
  const vcpus = sockets * cores * threads;
  const references = el('References', {}, ...src.disks.map(({ disk, actualSize }) => el('File', {
    'ovf:href': fileOf(disk, flavour), 'ovf:id': flavour === 'ova' ? String(disk.id) : String(disk.image_id),
    'ovf:size': flavour === 'ova' ? actualSize : Number(disk.provisioned_size), 'ovf:description': disk.description ?? '',
    'ovf:disk_storage_type': 'IMAGE', 'ovf:cinder_volume_type': '',
  })));
  const diskElements = src.disks.map(({ disk, attachment, actualSize }) => el('Disk', {
    'ovf:diskId': flavour === 'ova' ? String(disk.id) : String(disk.image_id),
    ...(flavour === 'ova'
      ? { 'ovf:capacity': Number(disk.provisioned_size), 'ovf:capacityAllocationUnits': 'byte', 'ovf:populatedSize': actualSize }
      : { 'ovf:size': Math.ceil(Number(disk.provisioned_size) / GiB), 'ovf:actual_size': Math.ceil(actualSize / GiB) }),
    'ovf:vm_snapshot_id': BLANK,
    'ovf:parentRef': '',
    'ovf:fileRef': fileOf(disk, flavour),
    'ovf:format': 'http://www.vmware.com/specifications/vmdk.html#sparse',
    'ovf:volume-format': disk.format === 'cow' ? 'COW' : 'RAW',
    'ovf:volume-type': disk.sparse === false ? 'Preallocated' : 'Sparse',
    'ovf:disk-interface': DISK_INTERFACES[String(attachment.interface ?? 'virtio')] ?? 'VirtIO',
    'ovf:read-only': attachment.read_only === true,
    'ovf:shareable': disk.shareable === true,
    'ovf:boot': attachment.bootable === true,
    'ovf:pass-discard': attachment.pass_discard === true,
    'ovf:disk-alias': disk.alias ?? disk.name ?? '',
    'ovf:disk-description': disk.description ?? '',
    'ovf:wipe-after-delete': disk.wipe_after_delete === true,
    // Hangar keeps the disk's own id and its domain beside oVirt's volume ids, to register it again.
    'ovf:disk-id': String(disk.id),
    'ovf:storage-domain-id': disk.storage_domain?.id,
  }));
  const diskSection = flavour === 'ova'
    ? el('DiskSection', {}, text('Info', 'List of Virtual Disks'), ...diskElements)
    : el('Section', { 'xsi:type': 'ovf:DiskSection_Type' }, text('Info', 'List of Virtual Disks'), ...diskElements);
  const networks = [...new Set(src.nics.map((n) => n.network).filter((n) => n !== undefined))];
  const networkSection = el('NetworkSection', {}, text('Info', 'List of networks'), ...networks.map((n) => el('Network', { 'ovf:name': n })));
  const body = [
    text('Name', String(vm.name)),
    text('Description', vm.description ?? ''),
    text('Comment', vm.comment ?? ''),
    text('CreationDate', ovfDate(vm.creation_time)),
    text('ExportDate', ovfDate()),
    text('DeleteProtected', vm.delete_protected === true),
    text('IsStateless', vm.stateless === true),
    text('Origin', 0),
    text('VmType', VM_TYPES[String(vm.type ?? 'server')] ?? 1),
    text('ClusterName', src.clusterName ?? ''),
    text('MinAllocatedMem', mb(vm.memory_policy?.guaranteed ?? vm.memory)),
    text('MaxMemorySizeMb', mb(vm.memory_policy?.max ?? vm.memory)),
    text('IsAutoSuspend', false),
    text('IsSmartcardEnabled', false),
    text('BiosType', vm.bios?.type ?? 'q35_sea_bios'),
    ...(src.isTemplate
      ? [text('TemplateId', String(vm.id)), text('TemplateType', 'TEMPLATE'), text('BaseTemplateId', String(vm.id)), text('IsDisabled', false)]
      : [text('TemplateId', src.template.id), text('TemplateName', src.template.name), text('OriginalTemplateId', src.template.id), text('OriginalTemplateName', src.template.name)]),
    el('Section', { 'ovf:id': String(vm.id), 'ovf:required': 'false', 'xsi:type': 'ovf:OperatingSystemSection_Type' },
      text('Info', 'Guest Operating System'), text('Description', vm.os?.type ?? 'other')),
    el('Section', { 'xsi:type': 'ovf:VirtualHardwareSection_Type' },
      text('Info', `${vcpus} CPU, ${mb(vm.memory)} Memory`),
      el('System', {}, text('vssd:VirtualSystemType', `ENGINE ${OVF_VERSION}`)),
      el('Item', {},
        text('rasd:Caption', `${vcpus} virtual cpu`), text('rasd:Description', 'Number of virtual CPU'),
        text('rasd:InstanceId', 1), text('rasd:ResourceType', 3),
        text('rasd:num_of_sockets', sockets), text('rasd:cpu_per_socket', cores), text('rasd:threads_per_cpu', threads),
        text('rasd:max_num_of_vcpus', Math.max(vcpus, 16))),
      el('Item', {},
        text('rasd:Caption', `${mb(vm.memory)} MB of memory`), text('rasd:Description', 'Memory Size'),
        text('rasd:InstanceId', 2), text('rasd:ResourceType', 4), text('rasd:AllocationUnits', 'MegaBytes'), text('rasd:VirtualQuantity', mb(vm.memory))),
      ...src.disks.map((d, i) => diskItem(d, flavour, i)),
      ...src.nics.map(nicItem)),
  ];
  const content = flavour === 'ova'
    ? el('VirtualSystem', { 'ovf:id': String(vm.id) }, ...body)
    : el('Content', { 'ovf:id': 'out', 'xsi:type': 'ovf:VirtualSystem_Type' }, ...body);
  return '<?xml version="1.0" encoding="UTF-8"?>' + el('ovf:Envelope', {
    // The OVA form's elements are in the OVF namespace, as OVA readers look them up (upload_ova_as_vm_or_template.py).
    ...(flavour === 'ova' ? { xmlns: NS.ova } : {}),
    'xmlns:ovf': NS[flavour], 'xmlns:rasd': RASD, 'xmlns:vssd': VSSD, 'xmlns:xsi': XSI, 'ovf:version': OVF_VERSION,
  }, references, networkSection, diskSection, content);
}

// --- reading ------------------------------------------------------------------

type Node = Record<string, unknown>;
const parser = new XMLParser({
  ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true, parseTagValue: false, parseAttributeValue: false,
  isArray: (name) => ['Item', 'Disk', 'File', 'Section', 'Network'].includes(name),
  // DTDs and entities are refused below; an OVF document needs neither.
  processEntities: false,
});

const node = (v: unknown): Node => (v !== null && typeof v === 'object' ? (v as Node) : {});
const nodes = (v: unknown): Node[] => (Array.isArray(v) ? v.map(node) : v === undefined ? [] : [node(v)]);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : v !== null && typeof v === 'object' && '#text' in v ? String((v as Node)['#text']) : undefined);
const bool = (v: unknown) => str(v)?.toLowerCase() === 'true';
const sectionOf = (parent: Node, type: string) => nodes(parent.Section).find((s) => String(s['@type']).endsWith(type));

/** Bytes of a disk's size as the document gives it: the OVA form's capacity with its unit, the engine's GiB. */
function sizeOf(d: Node): number {
  if (d['@capacity'] !== undefined) {
    const unit = String(d['@capacityAllocationUnits'] ?? 'byte');
    const power = /2\^(\d+)/.exec(unit);
    return Number(d['@capacity']) * (power ? 2 ** Number(power[1]) : 1);
  }
  return Number(d['@size'] ?? 0) * GiB;
}

/** Reads an OVF document of oVirt's (either form); refuses what is not one. */
export function readOvf(xml: string): OvfRead {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw badRequest('The OVF document may not hold a DTD or entities');
  let root: Node;
  try {
    root = node(node(parser.parse(xml)).Envelope);
  } catch (e) {
    throw badRequest(`The OVF document is not well-formed XML: ${e instanceof Error ? e.message : String(e)}`);
  }
  const system = node(root.VirtualSystem ?? root.Content);
  if (str(system.Name) === undefined) throw badRequest('The OVF document describes no virtual system (Envelope/VirtualSystem or Content with a Name)');
  const hardware = sectionOf(system, 'VirtualHardwareSection_Type') ?? node(system.VirtualHardwareSection);
  const items = nodes(hardware.Item);
  const ofType = (t: number) => items.filter((i) => Number(str(i.ResourceType)) === t);
  const cpu = ofType(3)[0] ?? {};
  const memory = ofType(4)[0] ?? {};
  const os = sectionOf(system, 'OperatingSystemSection_Type') ?? node(system.OperatingSystemSection);
  const diskSection = node(root.DiskSection ?? sectionOf(root, 'DiskSection_Type'));
  const driveItems = ofType(17);
  const disks: OvfDiskRead[] = nodes(diskSection.Disk).map((d) => {
    const fileRef = String(d['@fileRef'] ?? '');
    const [group, volume] = fileRef.includes('/') ? fileRef.split('/') : [String(d['@disk-id'] ?? d['@diskId']), undefined];
    const item = driveItems.find((i) => str(i.HostResource) === fileRef) ?? {};
    return {
      id: String(d['@disk-id'] ?? group),
      imageId: volume,
      storageDomainId: (d['@storage-domain-id'] as string | undefined) ?? str(item.StorageId),
      fileRef,
      size: sizeOf(d),
      format: String(d['@volume-format'] ?? '').toUpperCase() === 'RAW' ? 'raw' : 'cow',
      sparse: String(d['@volume-type'] ?? 'Sparse') !== 'Preallocated',
      alias: d['@disk-alias'] as string | undefined,
      description: (d['@disk-description'] as string | undefined) || undefined,
      interface: keyOf(DISK_INTERFACES, d['@disk-interface'] as string | undefined, 'virtio'),
      bootable: d['@boot'] === 'true' || Number(str(item.BootOrder) ?? 0) > 0,
      readOnly: d['@read-only'] === 'true',
      shareable: d['@shareable'] === 'true',
      wipeAfterDelete: d['@wipe-after-delete'] === 'true',
      passDiscard: d['@pass-discard'] === 'true',
    };
  });
  const nics = ofType(10).map((i) => ({
    name: str(i.Name) ?? str(i.ElementName) ?? 'nic1',
    mac: str(i.MACAddress) || undefined,
    network: str(i.Connection) || str(i.OtherResourceType) || undefined,
    profile: str(i.VnicProfileName),
    interface: keyOf(NIC_TYPES, Number(str(i.ResourceSubType) ?? 3), 'virtio'),
    linked: str(i.Linked) === undefined || bool(i.Linked),
    plugged: str(i.IsPlugged) === undefined || bool(i.IsPlugged),
  }));
  const mib = (v: unknown) => (str(v) === undefined ? undefined : Number(str(v)) * 1024 * 1024);
  const sockets = Number(str(cpu.num_of_sockets) ?? 1);
  const cores = Number(str(cpu.cpu_per_socket) ?? str(cpu.VirtualQuantity) ?? 1);
  const threads = Number(str(cpu.threads_per_cpu) ?? 1);
  const memoryBytes = mib(memory.VirtualQuantity) ?? GiB;
  const isTemplate = str(system.TemplateType) !== undefined || String(system['@type'] ?? '').endsWith('TemplateType');
  const vm: VmObj = {
    name: str(system.Name),
    ...(str(system.Description) ? { description: str(system.Description) } : {}),
    ...(str(system.Comment) ? { comment: str(system.Comment) } : {}),
    memory: memoryBytes,
    memory_policy: { guaranteed: mib(system.MinAllocatedMem) ?? memoryBytes, max: Math.max(mib(system.MaxMemorySizeMb) ?? 0, memoryBytes) },
    cpu: { topology: { sockets, cores, threads } },
    ...(str(os.Description) ? { os: { type: str(os.Description) } } : {}),
    type: keyOf(VM_TYPES, Number(str(system.VmType) ?? 1), 'server') as VmObj['type'],
    stateless: bool(system.IsStateless),
    delete_protected: bool(system.DeleteProtected),
  };
  const id = String(os['@id'] ?? system['@id'] ?? '');
  return {
    id: /^[0-9a-f-]{36}$/i.test(id) ? id : undefined,
    isTemplate, vm, clusterName: str(system.ClusterName) || undefined,
    templateId: isTemplate ? undefined : str(system.TemplateId), disks, nics,
  };
}
