// The host's floor for advert timing: the least a sleeping sender can do, in C. Every PERIOD_MS it
// wakes on an absolute CLOCK_MONOTONIC deadline (clock_nanosleep, TIMER_ABSTIME), at SCHED_RR
// RT_PRIO (0: SCHED_OTHER), and sends one VRRPv2 advert (vrid 51, prio 255, one address, auth none)
// to 224.0.0.18 on the interface IFNAME. No event loop, no heap, no runtime: what is left in its
// interval error is the kernel's and the hypervisor's wake-up latency, which no daemon sleeping
// between adverts can beat. bench/failover.ts builds it with the system's cc (bench only).
//   floor-sender PERIOD_MS RT_PRIO IFNAME VIP
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static uint16_t checksum(const uint8_t *p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1) sum += (uint32_t)(p[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: floor-sender PERIOD_MS RT_PRIO IFNAME VIP\n");
    return 2;
  }
  long periodNs = atol(argv[1]) * 1000000L;
  int rtPrio = atoi(argv[2]);
  if (rtPrio > 0) {
    struct sched_param sp = {.sched_priority = rtPrio};
    if (sched_setscheduler(0, SCHED_RR, &sp) != 0) perror("sched_setscheduler");
  }
  int fd = socket(AF_INET, SOCK_RAW, 112);
  if (fd < 0) return perror("socket"), 1;
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, argv[3], strlen(argv[3])) != 0) return perror("SO_BINDTODEVICE"), 1;
  struct ip_mreqn mreq = {.imr_ifindex = (int)if_nametoindex(argv[3])};
  if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof mreq) != 0) return perror("IP_MULTICAST_IF"), 1;
  int ttl = 255; // RFC 3768 §5.2.3: TTL 255
  setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl);

  // RFC 3768 §5.3: version 2, type 1, vrid, priority, count 1, auth none, interval 1 s, checksum,
  // the address, 8 bytes of authentication data.
  uint8_t advert[20] = {0x21, 51, 255, 1, 0, 1, 0, 0};
  if (inet_pton(AF_INET, argv[4], advert + 8) != 1) return fprintf(stderr, "bad VIP\n"), 2;
  uint16_t c = checksum(advert, sizeof advert);
  advert[6] = (uint8_t)(c >> 8);
  advert[7] = (uint8_t)c;
  struct sockaddr_in dst = {.sin_family = AF_INET};
  inet_pton(AF_INET, "224.0.0.18", &dst.sin_addr);

  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  for (;;) {
    next.tv_nsec += periodNs;
    while (next.tv_nsec >= 1000000000L) next.tv_nsec -= 1000000000L, next.tv_sec++;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) != 0) {
    }
    if (sendto(fd, advert, sizeof advert, 0, (struct sockaddr *)&dst, sizeof dst) < 0) perror("sendto");
  }
}
