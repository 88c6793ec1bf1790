"""Stand in for QEMU on a TAP: hold the TAP open (as QEMU's `-netdev tap`
does, so it has carrier) and relay its frames to and from a host-side veth
whose peer is the guest namespace's eth0.

    python3 tap_relay.py TAP PORT
"""
import fcntl, os, select, socket, struct, sys
TUNSETIFF = 0x400454CA
IFF_TAP, IFF_NO_PI = 0x0002, 0x1000
PACKET_OUTGOING = 4
tap, port = sys.argv[1], sys.argv[2]
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", tap.encode(), IFF_TAP | IFF_NO_PI))
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
sock.bind((port, 0))
print("relaying", tap, port, flush=True)
while True:
    ready, _, _ = select.select([fd, sock], [], [])
    if fd in ready:
        sock.send(os.read(fd, 65536))
    if sock in ready:
        frame, address = sock.recvfrom(65536)
        if address[2] != PACKET_OUTGOING:
            os.write(fd, frame)
