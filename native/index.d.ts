/** Sends one sd_notify datagram. Returns false when no socket is configured (not under systemd). */
export declare function notify(state: string, socketPath?: string): boolean;
