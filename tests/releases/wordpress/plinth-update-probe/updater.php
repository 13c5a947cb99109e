<?php
/**
 * Plinth_Probe_Updater — the test plugin's updater when EDD's class is not supplied
 * (PLINTH_EDD_UPDATER unset). Written for Plinth from the wire protocol of EDD's updater
 * (EDD_SL_Plugin_Updater 1.9), not copied from it: the same constructor arguments, the same
 * form-encoded POST to the store URL with a trailing slash, the same fields in the same order,
 * and the same reading of the answer (HTTP 200, a JSON object with `sections`, or nothing). It
 * leaves out what the protocol does not need: the answer cache, the one-hour pause after a
 * failed request and the multisite notice.
 */

defined( 'ABSPATH' ) || exit;

class Plinth_Probe_Updater {
	private $store_url;
	private $settings;
	private $basename;
	private $slug;
	private $installed_version;
	/** @var object|false|null the store's answer in this request: null not asked yet, false none */
	private $answer = null;

	public function __construct( $store_url, $plugin_file, $settings ) {
		$this->store_url         = trailingslashit( $store_url );
		$this->settings          = $settings;
		$this->basename          = plugin_basename( $plugin_file );
		$this->slug              = basename( $plugin_file, '.php' );
		$this->installed_version = $settings['version'];
		add_filter( 'pre_set_site_transient_update_plugins', array( $this, 'add_to_update_list' ) );
		add_filter( 'plugins_api', array( $this, 'plugin_information' ), 10, 3 );
	}

	/** WordPress is saving its list of plugin updates: add this plugin's entry. */
	public function add_to_update_list( $updates ) {
		if ( ! is_object( $updates ) ) {
			$updates = new stdClass();
		}
		$answer = $this->ask_store();
		if ( $answer && isset( $answer->new_version ) ) {
			$entry         = clone $answer;
			$entry->plugin = $this->basename;
			$entry->id     = $this->basename;
			if ( version_compare( $this->installed_version, $answer->new_version, '<' ) ) {
				$updates->response[ $this->basename ] = $entry;
			} else {
				$updates->no_update[ $this->basename ] = $entry;
			}
		}
		$updates->last_checked                = time();
		$updates->checked[ $this->basename ] = $this->installed_version;
		return $updates;
	}

	/** "View details": WordPress wants arrays where JSON gave objects. */
	public function plugin_information( $result, $action = '', $args = null ) {
		if ( 'plugin_information' !== $action || ! isset( $args->slug ) || $args->slug !== $this->slug ) {
			return $result;
		}
		$answer = $this->ask_store();
		if ( ! $answer ) {
			return $result;
		}
		$information = clone $answer;
		foreach ( array( 'sections', 'banners', 'icons', 'contributors' ) as $field ) {
			if ( isset( $information->$field ) ) {
				$information->$field = json_decode( wp_json_encode( $information->$field ), true );
			}
		}
		$information->plugin = $this->basename;
		return $information;
	}

	/** One get_version request per page load; false when the store gave nothing usable. */
	private function ask_store() {
		if ( null !== $this->answer ) {
			return $this->answer;
		}
		$this->answer = false;
		$fields       = array(
			'edd_action'  => 'get_version',
			'license'     => ! empty( $this->settings['license'] ) ? $this->settings['license'] : '',
			'item_name'   => isset( $this->settings['item_name'] ) ? $this->settings['item_name'] : false,
			'item_id'     => isset( $this->settings['item_id'] ) ? $this->settings['item_id'] : false,
			'version'     => isset( $this->settings['version'] ) ? $this->settings['version'] : false,
			'slug'        => $this->slug,
			'author'      => $this->settings['author'],
			'url'         => home_url(),
			'beta'        => ! empty( $this->settings['beta'] ),
			'php_version' => phpversion(),
			'wp_version'  => get_bloginfo( 'version' ),
		);
		$response     = wp_remote_post( $this->store_url, array( 'timeout' => 15, 'body' => $fields ) );
		if ( is_wp_error( $response ) || 200 !== wp_remote_retrieve_response_code( $response ) ) {
			return false;
		}
		$answer = json_decode( wp_remote_retrieve_body( $response ) );
		if ( ! is_object( $answer ) || ! isset( $answer->sections ) ) {
			return false; // no `sections`: the answer says nothing about an update
		}
		foreach ( array( 'sections', 'banners', 'icons' ) as $field ) {
			if ( isset( $answer->$field ) ) {
				$answer->$field = maybe_unserialize( $answer->$field ); // objects, or PHP-serialized text
			}
		}
		$this->answer = $answer;
		return $answer;
	}
}
