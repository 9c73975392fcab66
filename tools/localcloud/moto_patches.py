# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Corrections made inside moto's EC2 and ELBv2 models where moto differs from real AWS.

moto runs in-process in the daemon, so these small wrappers around moto's own
classes are simpler and more exact than rewriting XML in the WSGI layer:

* security group rules whose source is a prefix list keep their
  ``Description`` (moto keeps only ``PrefixListId``): stored on authorize,
  changed by ``UpdateSecurityGroupRuleDescriptions*`` and
  ``ModifySecurityGroupRules``, returned by ``DescribeSecurityGroups``,
  ``DescribeSecurityGroupRules`` and ``AuthorizeSecurityGroup*``;
  ``RevokeSecurityGroup*`` still matches on the prefix list id alone;
* ``UpdateSecurityGroupRuleDescriptionsIngress/Egress`` answer
  ``<return>true</return>`` (moto answers an empty result);
* ``DeleteNatGateway`` disassociates the gateway's Elastic IP, so the
  allocation can be used again (moto leaves it associated);
* a new application load balancer has AWS's full attribute set
  (``DescribeLoadBalancerAttributes``; moto starts with four).

Every wrapper first checks the moto internals it relies on and raises
``MotoPatchError`` (naming the moto version) when they are missing, instead of
silently doing nothing.  ``apply()`` is idempotent and thread-safe.
"""

import functools
import inspect
import threading

TESTED_MOTO_VERSIONS = ('5.2.5',)

_LOCK = threading.Lock()
_APPLIED = set()


class MotoPatchError(RuntimeError):
    """moto's internals no longer look like the ones these patches expect."""


def _moto_version():
    import moto
    return getattr(moto, '__version__', 'unknown')


def _require(owner, name, params=()):
    """Return ``owner.name`` after checking it exists and takes ``params``."""
    value = inspect.getattr_static(owner, name, None)
    if value is None:
        raise MotoPatchError('moto %s: %s.%s is missing (localcloud patches were written for moto %s)' % (
            _moto_version(), owner.__name__, name, ', '.join(TESTED_MOTO_VERSIONS)))
    target = value.fget if isinstance(value, property) else value
    missing = [p for p in params if p not in inspect.signature(target).parameters]
    if missing:
        raise MotoPatchError('moto %s: %s.%s no longer takes %s (localcloud patches were written for moto %s)' % (
            _moto_version(), owner.__name__, name, ', '.join(missing), ', '.join(TESTED_MOTO_VERSIONS)))
    return value


def _patch_prefix_list_descriptions():
    """Keep ``Description`` of prefix-list sources in security group rules."""
    from moto.ec2.models.security_groups import SecurityGroup, SecurityGroupBackend, SecurityGroupRule

    rule_init = _require(SecurityGroupRule, '__init__', ('prefix_list_id',))
    rule_signature = inspect.signature(rule_init)
    rule_description = _require(SecurityGroupRule, 'description').fget
    flattened = _require(SecurityGroup, '_flattened_rules', ('rules',))
    update_description = _require(SecurityGroupBackend, '_sg_update_description', ('security_rule', 'rule'))
    modify_rules = _require(SecurityGroupBackend, 'modify_security_group_rules', ('group_id', 'rules'))
    _require(SecurityGroupBackend, 'get_security_group_by_name_or_id')
    _require(SecurityGroup, 'get_rule')

    @functools.wraps(rule_init)
    def init(self, *args, **kwargs):
        rule_init(self, *args, **kwargs)
        source = rule_signature.bind(self, *args, **kwargs).arguments.get('prefix_list_id')
        # moto keeps only source['PrefixListId']; remember the description too.
        self.prefix_list_description = source.get('Description') if isinstance(source, dict) else None

    def description(self):
        value = rule_description(self)
        if value is None and getattr(self, 'prefix_list_id', None):
            value = getattr(self, 'prefix_list_description', None)
        return value

    @functools.wraps(flattened)
    def flattened_rules(self, rules):
        # moto renders each prefix-list source as {"PrefixListId": id}; add the
        # description.  (ports, protocol, prefix list) identifies a rule, as
        # duplicates are refused on authorize.
        views = flattened(self, rules)
        descriptions = {}
        for rule in rules:
            text = getattr(rule, 'prefix_list_description', None)
            if rule.prefix_list_id and text is not None:
                descriptions[(rule.from_port, rule.to_port, rule.ip_protocol, rule.prefix_list_id)] = text
        for view in views:
            for entry in view.prefix_list_ids:
                key = (view.from_port, view.to_port, view.ip_protocol, entry.get('PrefixListId'))
                if key in descriptions:
                    entry['Description'] = descriptions[key]
        return views

    @functools.wraps(update_description)
    def sg_update_description(self, security_rule, rule):
        update_description(self, security_rule, rule)
        if security_rule.prefix_list_id and security_rule.prefix_list_id == rule.prefix_list_id:
            # As in AWS, omitting the description removes it.
            rule.prefix_list_description = getattr(security_rule, 'prefix_list_description', None)

    @functools.wraps(modify_rules)
    def modify_security_group_rules(self, group_id, rules):
        modify_rules(self, group_id, rules)
        # moto writes the new description into ip_range, which a prefix-list
        # rule does not have; move it to where the patched model looks.
        group = self.get_security_group_by_name_or_id(group_id)
        for rule_id in rules:
            rule = group.get_rule(rule_id)
            if (rule is not None and rule.prefix_list_id and 'Description' in rule.ip_range
                    and not rule.ip_range.get('CidrIp') and not rule.ip_range.get('CidrIpv6')):
                rule.prefix_list_description = rule.ip_range.pop('Description')

    SecurityGroupRule.__init__ = init
    SecurityGroupRule.description = property(description)
    SecurityGroup._flattened_rules = flattened_rules  # pylint: disable=protected-access
    SecurityGroupBackend._sg_update_description = sg_update_description  # pylint: disable=protected-access
    SecurityGroupBackend.modify_security_group_rules = modify_security_group_rules


def _patch_update_descriptions_return():
    """Answer ``<return>true</return>`` to UpdateSecurityGroupRuleDescriptions*."""
    from moto.core.responses import ActionResult, EmptyResult
    from moto.ec2.responses.security_groups import SecurityGroups

    def wrap(original):
        @functools.wraps(original)
        def handler(self):
            result = original(self)
            if isinstance(result, EmptyResult):
                return ActionResult({'Return': True})
            return result
        return handler

    for name in ('update_security_group_rule_descriptions_ingress',
                 'update_security_group_rule_descriptions_egress'):
        setattr(SecurityGroups, name, wrap(_require(SecurityGroups, name)))


def _patch_nat_gateway_delete():
    """Disassociate a NAT gateway's Elastic IP when the gateway is deleted."""
    from moto.ec2.models.elastic_ip_addresses import ElasticAddressBackend
    from moto.ec2.models.nat_gateways import NatGateway, NatGatewayBackend

    delete = _require(NatGatewayBackend, 'delete_nat_gateway', ('nat_gateway_id',))
    _require(ElasticAddressBackend, 'disassociate_address', ('address',))
    if '_eni' not in inspect.getsource(NatGateway.__init__):
        raise MotoPatchError('moto %s: NatGateway no longer keeps its ENI in _eni' % _moto_version())

    @functools.wraps(delete)
    def delete_nat_gateway(self, nat_gateway_id):
        nat_gateway = delete(self, nat_gateway_id)
        eni = getattr(nat_gateway, '_eni', None)
        for address in list(self.addresses):
            if eni is not None and address.eni is eni:
                self.disassociate_address(address=address.public_ip)
        return nat_gateway

    NatGatewayBackend.delete_nat_gateway = delete_nat_gateway


# What DescribeLoadBalancerAttributes shows for a new application load balancer in AWS.
ALB_DEFAULT_ATTRIBUTES = {
    'access_logs.s3.enabled': 'false',
    'access_logs.s3.bucket': '',
    'access_logs.s3.prefix': '',
    'client_keep_alive.seconds': '3600',
    'connection_logs.s3.enabled': 'false',
    'connection_logs.s3.bucket': '',
    'connection_logs.s3.prefix': '',
    'deletion_protection.enabled': 'false',
    'idle_timeout.timeout_seconds': '60',
    'load_balancing.cross_zone.enabled': 'true',
    'routing.http.desync_mitigation_mode': 'defensive',
    'routing.http.drop_invalid_header_fields.enabled': 'false',
    'routing.http.preserve_host_header.enabled': 'false',
    'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': 'false',
    'routing.http.xff_client_port.enabled': 'false',
    'routing.http.xff_header_processing.mode': 'append',
    'routing.http2.enabled': 'true',
    'waf.fail_open.enabled': 'false',
    'zonal_shift.config.enabled': 'false',
}


def _patch_alb_default_attributes():
    """Give a new application load balancer AWS's full attribute set.

    moto starts with four attributes; amazon.aws.elb_application_lb reads e.g.
    routing.http.drop_invalid_header_fields.enabled and fails with a KeyError.
    """
    from moto.elbv2.models import FakeLoadBalancer

    lb_init = _require(FakeLoadBalancer, '__init__', ('loadbalancer_type',))
    unknown = set(ALB_DEFAULT_ATTRIBUTES) - FakeLoadBalancer.VALID_ATTRS
    if unknown:
        raise MotoPatchError('moto %s: load balancer attributes %s are unknown' % (_moto_version(), sorted(unknown)))

    @functools.wraps(lb_init)
    def init(self, *args, **kwargs):
        lb_init(self, *args, **kwargs)
        if getattr(self, 'type', None) == 'application':
            # At creation nothing has been modified yet: AWS's defaults replace moto's (which
            # include cross-zone 'false'; ALBs always balance across zones).
            self.attrs.update(ALB_DEFAULT_ATTRIBUTES)

    FakeLoadBalancer.__init__ = init


PATCHES = (
    _patch_prefix_list_descriptions,
    _patch_update_descriptions_return,
    _patch_nat_gateway_delete,
    _patch_alb_default_attributes,
)


def apply():
    """Apply every patch once per process; raise MotoPatchError on mismatch."""
    with _LOCK:
        for patch in PATCHES:
            if patch.__name__ not in _APPLIED:
                patch()
                _APPLIED.add(patch.__name__)
