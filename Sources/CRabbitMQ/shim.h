#ifndef CRABBITMQ_SHIM_H
#define CRABBITMQ_SHIM_H

#if __has_include(<rabbitmq-c/amqp.h>)
#include <rabbitmq-c/amqp.h>
#include <rabbitmq-c/tcp_socket.h>
#include <rabbitmq-c/ssl_socket.h>
#else
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
#endif

/// `amqp_login` is variadic, which Swift cannot call: this fixes the SASL PLAIN form.
static inline amqp_rpc_reply_t CRabbitMQ_login_plain(amqp_connection_state_t state, char const *vhost, int channel_max,
                                                     int frame_max, int heartbeat, amqp_table_t const *properties,
                                                     char const *user, char const *password) {
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, properties,
                                      AMQP_SASL_METHOD_PLAIN, user, password);
}

/// The SASL EXTERNAL form (the broker takes the identity from the TLS client certificate).
static inline amqp_rpc_reply_t CRabbitMQ_login_external(amqp_connection_state_t state, char const *vhost,
                                                        int channel_max, int frame_max, int heartbeat,
                                                        amqp_table_t const *properties, char const *identity) {
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, properties,
                                      AMQP_SASL_METHOD_EXTERNAL, identity);
}

#endif
