# A tiny HTTP app for tests, on python3-minimal (which has no http.server): reads KEY=VALUE lines from the
# file given, exits 3 at once when mode=exit, else answers every request on 127.0.0.1:port with status and body.
import socket
import sys

conf = dict(line.strip().split('=', 1) for line in open(sys.argv[1]) if '=' in line)
if conf.get('mode') == 'exit':
    sys.exit(3)
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('127.0.0.1', int(conf['port'])))
server.listen(16)
status = conf.get('status', '200').encode()
body = conf.get('body', 'ok').encode()
while True:
    client, _ = server.accept()
    try:
        client.recv(4096)
        client.sendall(b'HTTP/1.0 ' + status + b' X\r\nContent-Length: ' + str(len(body)).encode()
                       + b'\r\nConnection: close\r\n\r\n' + body)
    except OSError:
        pass
    finally:
        client.close()
