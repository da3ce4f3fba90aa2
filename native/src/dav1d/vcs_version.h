/* dav1d's vcs_version.h (meson writes it from git describe; here the Debian source package's upstream version). */
#define DAV1D_VERSION "1.0.0"
