/* confdefs.h */
#define PACKAGE_NAME "openvswitch-nfv"
#define PACKAGE_TARNAME "openvswitch-nfv"
#define PACKAGE_VERSION "3.1.0-nfv1"
#define PACKAGE_STRING "openvswitch-nfv 3.1.0-nfv1"
#define PACKAGE_BUGREPORT "https://ovs-nfv.invalid/issues"
#define PACKAGE_URL ""
#define PACKAGE "openvswitch-nfv"
#define VERSION "3.1.0-nfv1"
