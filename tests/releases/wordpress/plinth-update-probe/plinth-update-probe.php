<?php
/**
 * Plugin Name: Plinth Update Probe
 * Description: A commercial-style plugin that updates from a Plinth store through EDD's updater protocol (the WordPress test of tests/releases).
 * Version: 1.0.0
 * Author: Plinth tests
 * Requires PHP: 7.4
 *
 * The test publishes this file as 1.0.0 and, with every "1.0.0" replaced by "1.1.0", as 1.1.0.
 */

defined( 'ABSPATH' ) || exit;

const PLINTH_PROBE_VERSION = '1.0.0';
// What a vendor hard-codes: the EDD download id of the product. The store URL is hard-coded too
// in a real plugin; the test's wp-config.php names it because the port changes every run.
const PLINTH_PROBE_ITEM_ID = 4242;
const PLINTH_PROBE_ITEM_NAME = 'Plinth Update Probe';
const PLINTH_PROBE_KEY_OPTION = 'plinth_probe_license_key';

/**
 * How the plugin names its product to the store: by EDD item id (EDD's current sample plugin), or
 * by item name as older plugins do (the test switches with the option plinth_probe_identify_by).
 * The licence screen of EDD's sample urlencode()s the name itself before the form is encoded.
 */
function plinth_probe_product_fields( $for_licence_screen ) {
	if ( 'name' === get_option( 'plinth_probe_identify_by' ) ) {
		return array( 'item_name' => $for_licence_screen ? urlencode( PLINTH_PROBE_ITEM_NAME ) : PLINTH_PROBE_ITEM_NAME );
	}
	return array( 'item_id' => PLINTH_PROBE_ITEM_ID );
}

/**
 * The updater class: EDD's own `EDD_SL_Plugin_Updater`, unchanged, from the file named by the
 * environment variable PLINTH_EDD_UPDATER (it is never copied into this repository), otherwise
 * the small updater next to this file that sends the same requests (updater.php).
 */
function plinth_probe_updater_class() {
	$edd = getenv( 'PLINTH_EDD_UPDATER' );
	if ( is_string( $edd ) && '' !== $edd ) {
		if ( ! class_exists( 'EDD_SL_Plugin_Updater' ) ) {
			require_once $edd;
		}
		return 'EDD_SL_Plugin_Updater';
	}
	require_once __DIR__ . '/updater.php';
	return 'Plinth_Probe_Updater';
}

// Constructed as EDD's sample plugin does, with the licence key the licence screen saved.
add_action(
	'init',
	function () {
		$class = plinth_probe_updater_class();
		new $class(
			PLINTH_PROBE_STORE_URL,
			__FILE__,
			array(
				'version' => PLINTH_PROBE_VERSION,
				'license' => trim( (string) get_option( PLINTH_PROBE_KEY_OPTION, '' ) ),
				'author'  => 'Plinth tests',
				'beta'    => '1' === get_option( 'plinth_probe_beta' ), // the licence screen's "get betas" box
			) + plinth_probe_product_fields( false )
		);
	}
);

/**
 * The licence screen's buttons (EDD's sample plugin): activate_license, deactivate_license or
 * check_license for this site, posted as a form. Returns the decoded answer, or null when the
 * store could not be asked.
 */
function plinth_probe_license_action( $action ) {
	$response = wp_remote_post(
		PLINTH_PROBE_STORE_URL,
		array(
			'timeout' => 15,
			'body'    => array(
				'edd_action' => $action,
				'license'    => trim( (string) get_option( PLINTH_PROBE_KEY_OPTION, '' ) ),
			) + plinth_probe_product_fields( true ) + array( 'url' => home_url() ),
		)
	);
	if ( is_wp_error( $response ) || 200 !== wp_remote_retrieve_response_code( $response ) ) {
		return null;
	}
	$answer = json_decode( wp_remote_retrieve_body( $response ) );
	return is_object( $answer ) ? $answer : null;
}
