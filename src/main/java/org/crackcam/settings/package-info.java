/**
 * Settings shared by the command line and the service's configuration file: each one validated
 * once, in its own record, and the exception for a setting that cannot be used.
 */
package org.crackcam.settings;
