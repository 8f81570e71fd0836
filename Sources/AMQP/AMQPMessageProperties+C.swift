internal import CRabbitMQ

/// The basic properties between Swift and librabbitmq's `amqp_basic_properties_t`.
extension AMQPMessageProperties {
    init(_ c: amqp_basic_properties_t) {
        func has(_ flag: Int32) -> Bool { c._flags & amqp_flags_t(flag) != 0 }
        self.init(
            contentType: has(AMQP_BASIC_CONTENT_TYPE_FLAG) ? c.content_type.string : nil,
            contentEncoding: has(AMQP_BASIC_CONTENT_ENCODING_FLAG) ? c.content_encoding.string : nil,
            deliveryMode: has(AMQP_BASIC_DELIVERY_MODE_FLAG) ? c.delivery_mode : nil,
            priority: has(AMQP_BASIC_PRIORITY_FLAG) ? c.priority : nil,
            expiration: has(AMQP_BASIC_EXPIRATION_FLAG) ? c.expiration.string : nil,
            correlationID: has(AMQP_BASIC_CORRELATION_ID_FLAG) ? c.correlation_id.string : nil,
            replyTo: has(AMQP_BASIC_REPLY_TO_FLAG) ? c.reply_to.string : nil)
    }

    /// The C properties, their strings kept alive by `arena`.
    func cProperties(arena: CArena) -> amqp_basic_properties_t {
        var c = amqp_basic_properties_t()
        var flags: Int32 = AMQP_BASIC_HEADERS_FLAG
        c.headers = amqp_empty_table
        if let value = contentType { flags |= AMQP_BASIC_CONTENT_TYPE_FLAG; c.content_type = arena.bytes(value) }
        if let value = contentEncoding {
            flags |= AMQP_BASIC_CONTENT_ENCODING_FLAG
            c.content_encoding = arena.bytes(value)
        }
        if let value = deliveryMode { flags |= AMQP_BASIC_DELIVERY_MODE_FLAG; c.delivery_mode = value }
        if let value = priority { flags |= AMQP_BASIC_PRIORITY_FLAG; c.priority = value }
        if let value = expiration { flags |= AMQP_BASIC_EXPIRATION_FLAG; c.expiration = arena.bytes(value) }
        if let value = correlationID {
            flags |= AMQP_BASIC_CORRELATION_ID_FLAG
            c.correlation_id = arena.bytes(value)
        }
        if let value = replyTo { flags |= AMQP_BASIC_REPLY_TO_FLAG; c.reply_to = arena.bytes(value) }
        c._flags = amqp_flags_t(flags)
        return c
    }
}
