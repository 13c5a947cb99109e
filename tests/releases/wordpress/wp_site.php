<?php
// tests/releases/wordpress/wp_site.php — runs one step inside the test's real WordPress site (the
// Debian package, the site folder's own wp-config.php) and prints what WordPress concluded as
// one JSON line, the last line of the output.
//
//   php wp_site.php SITE_DIR COMMAND [ARGUMENT]
//
//   install                 wp_install() into the site's empty database, activate the probe
//   license ACTION KEY      the licence screen: save KEY (the updater reads it on the next page
//                           load), then press activate_license, deactivate_license or check_license
//   setting NAME VALUE      one of the probe's settings: identify_by (id|name: how it names its
//                           product to the store), beta (0|1: whether it follows the beta channel)
//   check-updates           forget earlier answers, then wp_update_plugins(): the update list entry
//   details                 plugins_api('plugin_information'): the "View details" data
//   upgrade [tamper]        Plugin_Upgrader on the listed update (tamper: the link's signature changed)
//   version                 the installed probe's header version
//   cookies                 a Cookie header that logs the administrator in (for the admin pages)
//   requests                what WordPress sent to the store so far

[$script, $site, $command] = array_slice( $argv, 0, 3 ) + array( '', '', '' );
$argument                  = $argv[3] ?? '';
$key                       = $argv[4] ?? '';
$config                    = json_decode( (string) @file_get_contents( $site . '/site.json' ), true );
if ( ! is_array( $config ) ) {
	fwrite( STDERR, "usage: php wp_site.php SITE_DIR COMMAND [ARGUMENT] (no site.json in '$site')\n" );
	exit( 2 );
}

const PLINTH_PROBE = 'plinth-update-probe/plinth-update-probe.php';

// What a web server would give WordPress.
$home                       = wp_site_parse_home( $config['home'] );
$_SERVER['HTTP_HOST']       = $home;
$_SERVER['SERVER_NAME']     = '127.0.0.1';
$_SERVER['SERVER_PORT']     = '80';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['REQUEST_URI']     = '/wp-admin/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$_SERVER['REMOTE_ADDR']     = '127.0.0.1';

function wp_site_parse_home( $url ) {
	$parts = parse_url( $url );
	return $parts['host'] . ( isset( $parts['port'] ) ? ':' . $parts['port'] : '' );
}

// wp_install() mails the administrator; the test machine has no mailer.
function wp_new_blog_notification( $blog_title, $blog_url, $user_id, $password ) {
}

define( 'ABSPATH', rtrim( $site, '/' ) . '/' );
if ( 'install' === $command ) {
	define( 'WP_INSTALLING', true );
}
require ABSPATH . 'wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin-install.php';
require_once ABSPATH . 'wp-admin/includes/class-wp-upgrader.php';

function wp_site_done( array $result ) {
	echo "\n", wp_json_encode( $result ), "\n";
	exit( 0 );
}

function wp_site_error_text( $error ) {
	if ( ! is_wp_error( $error ) ) {
		return null;
	}
	return array(
		'code'    => $error->get_error_code(),
		'message' => $error->get_error_message(),
		'data'    => $error->get_error_data(),
	);
}

function wp_site_installed_version() {
	// The header as WordPress reads it, from the file on disk now.
	$data = get_file_data( WP_PLUGIN_DIR . '/' . PLINTH_PROBE, array( 'Version' => 'Version' ) );
	return $data['Version'];
}

// The upgrader's own skin for unattended updates, keeping the codes of the errors it reports
// (Plugin_Upgrader::upgrade() itself returns only false when the download fails).
class WP_Site_Recording_Skin extends Automatic_Upgrader_Skin {
	public $error_codes = array();
	public function error( $errors ) {
		if ( is_wp_error( $errors ) ) {
			$this->error_codes = array_merge( $this->error_codes, $errors->get_error_codes() );
		} elseif ( is_string( $errors ) ) {
			$this->error_codes[] = $errors;
		}
		parent::error( $errors );
	}
}

if ( 'install' !== $command ) {
	$admin = get_user_by( 'login', 'admin' );
	wp_set_current_user( $admin ? $admin->ID : 0 );
}

switch ( $command ) {
	case 'install':
		$result = wp_install( 'Plinth update test', 'admin', 'admin@example.com', false, '', wp_generate_password( 24 ) );
		$active = activate_plugin( PLINTH_PROBE );
		wp_site_done(
			array(
				'installed' => is_blog_installed(),
				'user_id'   => $result['user_id'],
				'activated' => null === $active,
				'error'     => wp_site_error_text( $active ),
				'wordpress' => get_bloginfo( 'version' ),
				'home'      => home_url(),
			)
		);

	case 'license':
		update_option( 'plinth_probe_license_key', $key );
		$answer = plinth_probe_license_action( $argument );
		wp_site_done( array( 'answer' => $answer ) );

	case 'setting':
		if ( ! in_array( $argument, array( 'identify_by', 'beta' ), true ) ) {
			fwrite( STDERR, "unknown setting '$argument'\n" );
			exit( 2 );
		}
		update_option( 'plinth_probe_' . $argument, $key );
		wp_site_done( array( 'saved' => true ) );

	case 'check-updates':
		// Every check starts from nothing: WordPress's list, and the answers EDD's updater caches
		// for three hours in options (edd_sl_*) and the hour it pauses after a failed request.
		delete_site_transient( 'update_plugins' );
		global $wpdb;
		$wpdb->query( "DELETE FROM {$wpdb->options} WHERE option_name LIKE 'edd\\_sl\\_%' OR option_name LIKE 'edd\\_api\\_request\\_%'" );
		wp_cache_flush();
		wp_update_plugins();
		$list  = get_site_transient( 'update_plugins' );
		$entry = isset( $list->response[ PLINTH_PROBE ] ) ? $list->response[ PLINTH_PROBE ] : null;
		$same  = isset( $list->no_update[ PLINTH_PROBE ] ) ? $list->no_update[ PLINTH_PROBE ] : null;
		$out   = array(
			'updater' => function_exists( 'plinth_probe_updater_class' ) ? plinth_probe_updater_class() : null,
			'checked' => isset( $list->checked[ PLINTH_PROBE ] ) ? $list->checked[ PLINTH_PROBE ] : null,
			'offered' => null !== $entry,
			'current' => null !== $same,
		);
		if ( $entry ) {
			foreach ( array( 'new_version', 'package', 'url', 'slug', 'plugin', 'tested', 'requires', 'requires_php' ) as $field ) {
				$out[ $field ] = isset( $entry->$field ) ? $entry->$field : null;
			}
		}
		// What the plugins screen tells the administrator (its update row).
		ob_start();
		wp_plugin_update_row( PLINTH_PROBE, get_plugin_data( WP_PLUGIN_DIR . '/' . PLINTH_PROBE ) );
		$out['update_row'] = wp_strip_all_tags( ob_get_clean() );
		wp_site_done( $out );

	case 'details':
		$info = plugins_api( 'plugin_information', array( 'slug' => 'plinth-update-probe' ) );
		if ( is_wp_error( $info ) ) {
			wp_site_done( array( 'error' => wp_site_error_text( $info ) ) );
		}
		$sections = isset( $info->sections ) ? (array) $info->sections : array();
		wp_site_done(
			array(
				'name'          => isset( $info->name ) ? $info->name : null,
				'version'       => isset( $info->version ) ? $info->version : ( isset( $info->new_version ) ? $info->new_version : null ),
				'sections'      => array_keys( $sections ),
				'description'   => isset( $sections['description'] ) ? $sections['description'] : null,
				'changelog'     => isset( $sections['changelog'] ) ? $sections['changelog'] : null,
				'download_link' => isset( $info->download_link ) ? $info->download_link : null,
			)
		);

	case 'upgrade':
		if ( 'tamper' === $argument ) {
			// The link as a site could alter it: the signature no longer matches.
			add_filter(
				'site_transient_update_plugins',
				function ( $list ) {
					if ( isset( $list->response[ PLINTH_PROBE ]->package ) ) {
						// Another first character than the one signed (a fixed '0' left one link in 64 intact).
						$list->response[ PLINTH_PROBE ]->package = preg_replace_callback(
							'/signature=(.)/',
							function ( $m ) {
								return 'signature=' . ( '0' === $m[1] ? '1' : '0' );
							},
							$list->response[ PLINTH_PROBE ]->package
						);
					}
					return $list;
				}
			);
		}
		$skin     = new WP_Site_Recording_Skin();
		$upgrader = new Plugin_Upgrader( $skin );
		$result   = $upgrader->upgrade( PLINTH_PROBE );
		wp_site_done(
			array(
				'result'    => true === $result,
				'errors'    => $skin->error_codes,
				'messages'  => $skin->get_upgrade_messages(),
				'installed' => wp_site_installed_version(),
			)
		);

	case 'version':
		wp_site_done(
			array(
				'installed' => wp_site_installed_version(),
				'active'    => is_plugin_active( PLINTH_PROBE ),
			)
		);

	case 'cookies':
		$expires = time() + 3600;
		$cookies = array(
			AUTH_COOKIE      => wp_generate_auth_cookie( get_current_user_id(), $expires, 'auth' ),
			LOGGED_IN_COOKIE => wp_generate_auth_cookie( get_current_user_id(), $expires, 'logged_in' ),
		);
		$pairs   = array();
		foreach ( $cookies as $name => $value ) {
			$pairs[] = $name . '=' . rawurlencode( $value );
		}
		wp_site_done( array( 'cookie' => implode( '; ', $pairs ) ) );

	case 'requests':
		$lines = @file( WP_CONTENT_DIR . '/store-requests.log', FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES );
		wp_site_done( array( 'requests' => array_map( 'json_decode', $lines ? $lines : array() ) ) );
}
fwrite( STDERR, "unknown command '$command'\n" );
exit( 2 );
