/*
 * dav1d's include/dav1d/version.h for 1.0.0, from its meson.build (dav1d_soname_version = '6.6.0'), written by hand.
 * dav1d.h includes it as "version.h": native/build/dav1d.sh puts this directory on the include path of dav1d and of
 * its callers.
 */
#ifndef DAV1D_VERSION_H
#define DAV1D_VERSION_H

#define DAV1D_API_VERSION_MAJOR 6
#define DAV1D_API_VERSION_MINOR 6
#define DAV1D_API_VERSION_PATCH 0

#endif /* DAV1D_VERSION_H */
