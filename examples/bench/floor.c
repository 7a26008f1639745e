/*
 * The least an integration can do for a web alert with a new value, as a
 * yardstick for the benchmark figures in README.md ("Benchmarks").
 *
 * Run by the harness in ../shared/bench exactly as custom-misp is, it:
 *   - reads the alert file (argv[1]) and takes the first "srcip" in it,
 *     with a string search and no JSON parser;
 *   - sends one search to the MISP named by hook_url (argv[3], plain http
 *     on an IP address only), with the key in argv[2];
 *   - reads the answer up to its Content-Length;
 *   - sends one datagram, "1:misp:" and the answer's body, to
 *     <root>/queue/sockets/queue, the root being two folders above the
 *     executable (<root>/integrations/<name>).
 *
 * It has no cache, no deadline, no TLS, no logging, no options, no error
 * handling worth the name and no output a Wazuh rule could use. Its wall
 * time is what process creation, the fake MISP's answer and the socket cost
 * on a machine: what is left between it and a target is what an
 * integration may spend on its own work.
 *
 * Build it statically, as custom-misp is built:
 *
 *     cc -O2 -static-pie -o /tmp/floor examples/bench/floor.c
 *     python3 ../shared/bench/integratord_bench.py --corpus /tmp/corpus-web \
 *         --impl floor=/tmp/floor \
 *         --impl reference=python:../shared/bench/reference_custom_misp.py
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SRCIP_KEY "\"srcip\":\""

static char alert[1 << 16];
static char answer[1 << 16];
static char datagram[(1 << 16) + 16];

int main(int argc, char **argv) {
    if (argc < 4) {
        fputs("usage: floor ALERT_FILE API_KEY HOOK_URL ...\n", stderr);
        return 2;
    }

    int fd = open(argv[1], O_RDONLY);
    if (fd < 0)
        return 3;
    ssize_t size = read(fd, alert, sizeof alert - 1);
    close(fd);
    alert[size > 0 ? size : 0] = '\0';

    char value[64] = "";
    const char *found = strstr(alert, SRCIP_KEY);
    if (found) {
        found += strlen(SRCIP_KEY);
        size_t n = strcspn(found, "\"");
        if (n >= sizeof value)
            n = sizeof value - 1;
        memcpy(value, found, n);
        value[n] = '\0';
    }

    /* http://A.B.C.D:PORT[/...] */
    const char *host = strstr(argv[3], "://");
    host = host ? host + 3 : argv[3];
    char address[64];
    size_t host_len = strcspn(host, ":/");
    if (host_len >= sizeof address)
        return 4;
    memcpy(address, host, host_len);
    address[host_len] = '\0';
    int port = host[host_len] == ':' ? atoi(host + host_len + 1) : 80;

    char body[256];
    int body_len = snprintf(body, sizeof body,
                            "{\"value\":[\"%s\"],\"type\":[\"ip-src\",\"ip-dst\"],"
                            "\"to_ids\":1,\"includeEventTags\":1,\"limit\":1000}",
                            value);
    char request[1024];
    int request_len = snprintf(request, sizeof request,
                               "POST /attributes/restSearch HTTP/1.1\r\n"
                               "Host: %s:%d\r\n"
                               "Authorization: %s\r\n"
                               "Accept: application/json\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: %d\r\n\r\n%s",
                               address, port, argv[2], body_len, body);

    struct sockaddr_in misp = {0};
    misp.sin_family = AF_INET;
    misp.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, address, &misp.sin_addr) != 1)
        return 4;
    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    setsockopt(tcp, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (connect(tcp, (struct sockaddr *)&misp, sizeof misp) != 0)
        return 5;
    if (write(tcp, request, (size_t)request_len) != request_len)
        return 5;

    size_t got = 0;
    long expected = -1;
    while (got < sizeof answer - 1) {
        ssize_t n = read(tcp, answer + got, sizeof answer - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        answer[got] = '\0';
        const char *end = strstr(answer, "\r\n\r\n");
        const char *length = strstr(answer, "Content-Length: ");
        if (end && length)
            expected = (end + 4 - answer) + atol(length + 16);
        if (expected >= 0 && (long)got >= expected)
            break;
    }
    close(tcp);

    char root[4096];
    ssize_t root_len = readlink("/proc/self/exe", root, sizeof root - 1);
    if (root_len <= 0)
        return 6;
    root[root_len] = '\0';
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(root, '/');
        if (!slash)
            return 6;
        *slash = '\0';
    }
    struct sockaddr_un queue = {0};
    queue.sun_family = AF_UNIX;
    if (strlen(root) + sizeof "/queue/sockets/queue" > sizeof queue.sun_path)
        return 6;
    strcpy(queue.sun_path, root);
    strcat(queue.sun_path, "/queue/sockets/queue");
    int unix_socket = socket(AF_UNIX, SOCK_DGRAM, 0);
    const char *json = strstr(answer, "\r\n\r\n");
    int datagram_len = snprintf(datagram, sizeof datagram, "1:misp:%s", json ? json + 4 : "");
    if (sendto(unix_socket, datagram, (size_t)datagram_len, 0, (struct sockaddr *)&queue,
               sizeof queue) < 0)
        return 7;
    return 0;
}
