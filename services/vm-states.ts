// What a VM's status says of the resources it holds.

/** States in which a VM holds memory on its host, and vCPUs and memory of its quota. */
export const RUNNING = ['wait_for_launch', 'powering_up', 'up', 'reboot_in_progress', 'migrating', 'powering_down', 'saving_state', 'restoring_state', 'paused', 'unknown', 'not_responding'];
