/*
 * version.h - the release version, shown by --version and in User-Agent.
 */
#ifndef MQR_VERSION_H
#define MQR_VERSION_H

#define MQR_VERSION "0.1.0"

#endif /* MQR_VERSION_H */
