// The volume files one change of disk chains makes, rewrites and leaves behind, worked on after
// the change commits. When making or rewriting fails (or takes too long) the change is put back,
// row by row, and the files it made are removed; the volumes it left behind go last, as clean-up.
//
// A rewrite is a rebase, which copies into the child what it read through the volume going away
// and only then names the new backing file: stopped half-way, the child still reads the same data.
import { Obj } from '../model/codec';
import { FileWork } from './file-work';
import { Storage, VolumeRef } from './storage';
import { RecordingRepo } from './store/recording-repo';

type Work = (signal: AbortSignal) => Promise<void>;

export class ChainWork {
  private readonly work: Work[] = [];
  /** Removes a file the work made. */
  private readonly made: (() => Promise<void>)[] = [];
  private readonly left: { sd: Obj; diskId: string; volume: string }[] = [];

  constructor(private readonly storage: Storage) {}

  /** A new qcow2 volume over `base`; a `live` base is in use by a running guest. */
  overlay(sd: Obj, diskId: string, base: string, baseFormat: string, volume: string, live = false): void {
    this.work.push((signal) => this.storage.createOverlay(sd, diskId, base, baseFormat, volume, signal, live));
    this.made.push(() => this.storage.removeVolumeFile(sd, diskId, volume));
  }

  /** More work once the files before it are made (a running guest told to use them); failing, it puts everything back too. */
  then(work: () => Promise<void>): void {
    this.work.push(() => work());
  }

  /** Points `child` at `newBase` (or none), keeping what it reads. */
  rebase(sd: Obj, diskId: string, child: string, newBase: VolumeRef | undefined): void {
    this.work.push((signal) => this.storage.rebase(sd, diskId, child, newBase, signal));
  }

  /** A copy of what `disk` reads as the volume of the new disk `copy`. */
  copy(from: Obj, disk: Obj, to: Obj, copy: Obj): void {
    this.work.push((signal) => this.storage.copyVolume(from, disk, to, copy, signal));
    this.made.push(() => this.storage.removeVolume(to, copy));
  }

  /** A new volume of the same disk, in the format and allocation `converted` names, with what `disk` reads. */
  convert(sd: Obj, disk: Obj, converted: Obj): void {
    this.work.push((signal) => this.storage.copyVolume(sd, disk, sd, converted, signal));
    this.made.push(() => this.storage.removeVolumeFile(sd, String(converted.id), String(converted.image_id)));
  }

  /** The disk's active volume without the blocks that hold only zeros. */
  sparsify(sd: Obj, disk: Obj): void {
    this.work.push((signal) => this.storage.sparsifyVolume(sd, disk, signal));
  }

  /** A volume nothing refers to once the change commits. */
  leave(sd: Obj, diskId: string, volume: string): void {
    this.left.push({ sd, diskId, volume });
  }

  /** Queues the work on `files`: `what` names it in faults; `recorded` made the change and puts it back. */
  queue(files: FileWork, what: string, recorded: RecordingRepo): void {
    const { work, made, left } = this;
    if (work.length) {
      files.afterCommit({
        what,
        async run(signal) {
          try {
            for (const w of work) {
              signal.throwIfAborted();
              await w(signal);
            }
          } catch (e) {
            for (const remove of made) await remove().catch(() => undefined);
            throw e;
          }
        },
        undo: (repo) => recorded.putBack(repo),
      });
    }
    if (left.length) {
      files.afterCommit({
        what: `removing the volumes left by ${what}`,
        run: async (signal) => {
          for (const v of left) {
            signal.throwIfAborted();
            await this.storage.removeVolumeFile(v.sd, v.diskId, v.volume);
          }
        },
      });
    }
  }
}
